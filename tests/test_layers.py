"""The layer rule of DESIGN.md, checked on the import graph of ``speech/``.

Every module is parsed with :mod:`ast` (imports inside functions count too, since they run just the
same), and each ``speech.*`` import is mapped to its package. A package may import only from its own
layer or below; ``speech.testing`` may import anything, but nothing in ``speech/`` imports it; the
package graph has no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import speech

ROOT = Path(speech.__file__).parent

# Layer of each top-level package or module of ``speech``.
LAYERS: dict[str, int] = {
    "speech": 1,  # speech/__init__.py: only __version__
    "speech.assets": 1,
    "speech.audio": 1,
    "speech.compat": 1,
    "speech.config": 1,
    "speech.errors": 1,
    "speech.fileio": 1,
    "speech.options": 1,
    "speech.pretrained": 1,
    "speech.text": 1,
    "speech.data": 2,
    "speech.eval": 2,
    "speech.train": 2,
    "speech.asr": 3,
    "speech.slu": 3,
    "speech.tts": 3,
    "speech.demo": 4,
    "speech.dub": 4,
    "speech.cli": 5,
}
TESTING = "speech.testing"

# Known violations as (importer package, imported package), each with why it is still there.
# This list may only shrink: the test fails on a pair that is not here, and on a pair here that no
# longer occurs (so a fixed one is removed from the list too).
ALLOWED: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(path: Path, module: str | None = None) -> set[str]:
    """Every ``speech`` module that ``path`` (module name ``module``) imports, relative ones resolved."""
    module = module or _module_name(path)
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                names = [".".join(anchor + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
        else:
            continue
        found.update(n for n in names if n == "speech" or n.startswith("speech."))
    return found


def package_graph() -> dict[str, set[str]]:
    """Package -> packages it imports (itself excluded), over every module under ``speech/``."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(ROOT.rglob("*.py")):
        importer = _package(_module_name(path))
        for imported in _imports(path):
            target = _package(imported)
            if target != importer:
                graph[importer].add(target)
    return graph


def violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs that break the layer rule."""
    bad: set[tuple[str, str]] = set()
    for importer, targets in graph.items():
        if importer == TESTING:
            continue
        for target in targets:
            if target == TESTING or LAYERS[target] > LAYERS[importer]:
                bad.add((importer, target))
    return bad


def test_every_package_has_a_layer() -> None:
    graph = package_graph()
    packages = set(graph) | {t for targets in graph.values() for t in targets}
    unknown = sorted(packages - set(LAYERS) - {TESTING})
    assert unknown == [], f"give these a layer in tests/test_layers.py (and DESIGN.md): {unknown}"


def test_no_import_goes_up_a_layer() -> None:
    found = violations(package_graph())
    assert sorted(found - ALLOWED) == [], "new layer violations"
    assert sorted(ALLOWED - found) == [], "fixed: remove these from ALLOWED"


def test_no_package_cycle() -> None:
    graph = package_graph()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack = stack + [node]
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []


def test_checker_sees_a_violation() -> None:
    # The checker itself must be able to fail: an upward edge and an import of speech.testing.
    graph = {"speech.text": {"speech.tts"}, "speech.eval": {TESTING}, TESTING: {"speech.cli"}}
    assert violations(graph) == {("speech.text", "speech.tts"), ("speech.eval", TESTING)}


def test_imports_inside_functions_are_seen(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "import os\nfrom . import fileio\n\ndef f():\n    from ..tts.synthesizer import Synthesizer\n"
        "    import speech.eval.mcd\n"
    )
    assert _imports(source, "speech.audio.mod") == {"speech.audio", "speech.tts.synthesizer", "speech.eval.mcd"}
