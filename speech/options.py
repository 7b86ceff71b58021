"""Checked values of command-line options and API arguments: numbers in range, torch devices.

The ``argparse`` types here refuse a bad value while the command line is parsed, so ``speech``
prints ``argument --speed: ...`` with exit status 2 before any model loads; the ``check_*``
functions give the library the same limits, raising :class:`~speech.errors.OptionError`.

Example:
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> _ = p.add_argument("--speed", type=bounded_float(0.25, 4.0), default=1.0)
    >>> p.parse_args(["--speed", "2"]).speed
    2.0
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from speech.errors import OptionError

#: Speaking rates the synthesizer renders well (the demo's limits too): 4x slower to 4x faster.
SPEED_RANGE: tuple[float, float] = (0.25, 4.0)
#: Emotion intensity: 0 neutral, 1 as trained, 3 strongly exaggerated.
INTENSITY_RANGE: tuple[float, float] = (0.0, 3.0)
#: Utterances per forward pass.
BATCH_SIZE_RANGE: tuple[int, int] = (1, 4096)

_DEVICE = re.compile(r"^(cpu|cuda|mps)(:\d+)?$")


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_range(value: float, low: float, high: float, name: str) -> float:
    """``value`` as a float if it is a finite number in ``[low, high]``.

    Raises:
        OptionError: NaN, infinite, or outside the range (the message names ``name``).
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must be a number between {_fmt(low)} and {_fmt(high)}, got {value!r}") from None
    if not math.isfinite(x) or not low <= x <= high:
        raise OptionError(f"{name} must be between {_fmt(low)} and {_fmt(high)}, got {value}")
    return x


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An ``argparse`` type: a finite float in ``[low, high]``."""

    def parse(text: str) -> float:
        try:
            return check_range(text, low, high, "the value")
        except OptionError as e:
            raise argparse.ArgumentTypeError(str(e).replace("the value ", "")) from None

    parse.__name__ = "number"  # argparse names the type in "invalid number value"
    return parse


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An ``argparse`` type: an integer in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            x = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number between {low} and {high}, got {text!r}") from None
        if not low <= x <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {x}")
        return x

    parse.__name__ = "integer"
    return parse


def device_name(text: str) -> str:
    """An ``argparse`` type: ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` (availability is checked later)."""
    name = text.strip().lower()
    if not _DEVICE.match(name):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}; use cpu, cuda, cuda:N or mps")
    return name


def check_device(name: str) -> str:
    """Check that torch can run on device ``name`` here; return it.

    Raises:
        OptionError: an unknown device, CUDA or MPS without such a device on this machine, or a
            CUDA index past the last GPU.
    """
    import torch

    if not _DEVICE.match(name):
        raise OptionError(f"unknown device {name!r}; use cpu, cuda, cuda:N or mps")
    kind, _, index = name.partition(":")
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise OptionError(f"device {name!r}: torch sees no CUDA GPU on this machine; use --device cpu")
        count = torch.cuda.device_count()
        if index and int(index) >= count:
            raise OptionError(f"device {name!r}: this machine has {count} CUDA GPU(s) (cuda:0 to cuda:{count - 1})")
    elif kind == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise OptionError(f"device {name!r}: MPS (Apple GPU) is not available here; use --device cpu")
    return name
