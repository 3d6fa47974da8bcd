"""The command line every worker process runs: ``python -m tfbook.distribute worker``.

:func:`tfbook.distribute.train_multi_worker` starts it in each process (the
launcher has set ``TF_CONFIG``). It configures TensorFlow as a notebook's
first cell does (:func:`tfbook.configure`: seeds, quiet logs, deterministic
ops), then calls the distributed-training chapter's
:func:`~tfbook.chapters.distributed_training.run_worker` with the options
given. The options are ``run_worker``'s keyword arguments, spelled as flags::

    python -m tfbook.distribute worker --out DIR [--steps N] [--global-batch-size B]
        [--learning-rate LR] [--init FILE.npz] [--seed S] [--crash-after N] [--crash-worker I]
"""

from __future__ import annotations

import argparse


def parse_worker_args(argv: list[str] | None = None) -> dict:
    """The keyword arguments a ``worker`` command line stands for.

    Returns:
        A dict with ``"seed"`` (for :func:`tfbook.configure`) and the keyword
        arguments of ``run_worker``.

    Example:
        >>> args = parse_worker_args(["worker", "--out", "mw", "--steps", "5"])
        >>> args["out"], args["steps"], args["seed"]
        ('mw', 5, 42)
    """
    parser = argparse.ArgumentParser(prog="python -m tfbook.distribute")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="train as one worker of a MultiWorkerMirroredStrategy")
    worker.add_argument("--out", required=True)
    worker.add_argument("--steps", type=int, default=32)
    worker.add_argument("--global-batch-size", type=int, default=64)
    worker.add_argument("--learning-rate", type=float, default=1e-3)
    worker.add_argument("--init", default=None)
    worker.add_argument("--seed", type=int, default=42)
    worker.add_argument("--crash-after", type=int, default=0)
    worker.add_argument("--crash-worker", type=int, default=-1)
    args = vars(parser.parse_args(argv))
    args.pop("command")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run one worker: configure TensorFlow, then the chapter's ``run_worker``."""
    args = parse_worker_args(argv)
    from tfbook.environment import configure

    configure(seed=args.pop("seed"), show_versions=False)
    # Imports TensorFlow, so only after configure().
    from tfbook.chapters.distributed_training import run_worker

    run_worker(**args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
