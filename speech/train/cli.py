"""``speech train --config X.yaml [key=value ...]``: run (or resume) a training run.

Examples::

    speech train --config recipes/bootstrap/tts/conf/smoke.yaml
    speech train --config conf/train.yaml trainer.max_steps=20000 optim.lr=2e-4 exp_dir=exp/lr2e-4
    speech train --config conf/train.yaml --print-config        # resolved config, all defaults
    torchrun --nproc_per_node 8 -m speech.cli train --config conf/train.yaml trainer.devices=auto
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``speech train``."""
    parser = subparsers.add_parser(
        "train",
        help="train a model from a YAML config (resumes when exp_dir holds a checkpoint)",
        description=(
            "Train any registered task from a YAML config. Overrides are dotted keys with YAML "
            "values: trainer.max_steps=2000 optim.lr=1e-3 data.sampler.max_duration=120. "
            "Running again with the same exp_dir continues from checkpoints/last.ckpt."
        ),
    )
    parser.add_argument("--config", required=True, metavar="YAML", help="run config (see speech.train.schema)")
    parser.add_argument(
        "--print-config", action="store_true", help="print the resolved config with every default and exit"
    )
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. optim.lr=2e-4")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from speech.train.config import dump_yaml, load_config
    from speech.train.schema import TrainConfig

    config = load_config(TrainConfig, args.config, args.overrides)
    if args.print_config:
        print(dump_yaml(config), end="")
        return 0
    from speech.train.engine import train

    result = train(config)
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in sorted(result.metrics.items()) if k.startswith("valid/"))
    print(f"trained {result.steps} steps; model: {result.model_dir}; last checkpoint: {result.last_checkpoint}")
    if result.best_checkpoint is not None:
        print(f"best checkpoint: {result.best_checkpoint}" + (f" ({metrics})" if metrics else ""))
    return 0
