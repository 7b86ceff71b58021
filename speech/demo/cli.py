"""``speech demo``: start the Gradio page (voice cloning and spoken commands).

Example::

    speech demo                                   # models/bootstrap-multilingual on 127.0.0.1:7860
    speech demo --model exp/synth --slu-model exp/slu/model --host 0.0.0.0 --port 8080
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

# The shipped models, found from the package (not the working directory), as `speech synth` does.
from speech.slu.cli import DEFAULT_MODEL_DIR as DEFAULT_SLU_MODEL_DIR
from speech.tts.cli import DEFAULT_MODEL as DEFAULT_MODEL_DIR

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add ``speech demo`` to the ``speech`` command."""
    p = subparsers.add_parser("demo", help="start the Gradio demo (voice cloning, spoken commands)",
                              description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR,
                   help=f"synthesizer directory (default: {DEFAULT_MODEL_DIR})")
    p.add_argument("--slu-model", type=Path, default=None,
                   help=f"SLU model directory (default: {DEFAULT_SLU_MODEL_DIR} when it exists; "
                        "without one the commands tab says so)")
    p.add_argument("--config", type=Path, help="YAML of speech.demo.config.DemoConfig (limits, queue)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", choices=("off", "on"), default="off",
                   help="on: also open a public gradio.live link (needs internet; default off)")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Handler of ``speech demo``: load the models, then serve until interrupted."""
    from speech.demo.app import TEMP_PREFIX, build_app, launch_app, private_temp_dir
    from speech.demo.config import DemoConfig
    from speech.demo.service import model_directory

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    config = DemoConfig.load(args.config)
    model = model_directory(args.model, "synthesizer", "--model")
    slu = args.slu_model
    if slu is None and DEFAULT_SLU_MODEL_DIR.is_dir():
        slu = DEFAULT_SLU_MODEL_DIR
    slu = model_directory(slu, "SLU model", "--slu-model")
    if slu is None:
        logger.warning("no SLU model (%s does not exist): the commands tab is disabled", DEFAULT_SLU_MODEL_DIR)
    temp = private_temp_dir()
    # A service manager stops the server with SIGTERM: exit normally so the temp dir is removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        app = build_app(model, slu, config)
        print(f"speech demo: synthesizer {model}, SLU model {slu or 'none'}; http://{args.host}:{args.port}", flush=True)
        launch_app(app, host=args.host, port=args.port, share=args.share == "on")
    finally:
        # Only a directory this process made is removed (a user's GRADIO_TEMP_DIR is kept).
        if temp.name.startswith(TEMP_PREFIX):
            shutil.rmtree(temp, ignore_errors=True)
    return 0
