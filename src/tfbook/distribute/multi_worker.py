"""Train with ``MultiWorkerMirroredStrategy`` in local processes and read back what they did.

:func:`train_multi_worker` starts the distributed-training chapter's worker,
:func:`tfbook.chapters.distributed_training.run_worker`, in ``num_workers``
processes through :func:`tfbook.distribute.launcher.launch`, each with the command line
of :func:`worker_command` (``python -m tfbook.distribute worker ...``), then
reads the files every worker wrote: a JSON report and its final weights
(:func:`save_weights`, :func:`load_weights`).

This module does not import TensorFlow; the workers do, in their own processes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from tfbook._checks import check_int
from tfbook.distribute.launcher import launch


def worker_command(out_dir: str | os.PathLike, **options) -> list[str]:
    """The command line that runs the chapter's ``run_worker`` in a new Python process.

    Args:
        out_dir: the folder the worker writes its results into.
        **options: ``run_worker`` keyword arguments, and ``seed`` (``steps=20``
            becomes ``--steps 20``; ``None`` leaves an option out).

    Returns:
        An argument list for :func:`tfbook.distribute.launcher.launch`.

    Example:
        >>> worker_command("_scratch/mw", steps=5, init=None)[1:]
        ['-m', 'tfbook.distribute', 'worker', '--out', '_scratch/mw', '--steps', '5']
    """
    command = [sys.executable, "-m", "tfbook.distribute", "worker", "--out", str(out_dir)]
    for key, value in options.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    return command


def train_multi_worker(
    num_workers: int = 2,
    out_dir: str | os.PathLike = "_scratch/multi-worker",
    timeout: float = 600.0,
    **options,
) -> list[dict]:
    """Train the five-layer network with ``MultiWorkerMirroredStrategy`` in processes.

    Starts ``num_workers`` copies of the chapter's ``run_worker`` with
    :func:`tfbook.distribute.launcher.launch` and reads back what each one saved.

    Args:
        num_workers: number of worker processes (an integer >= 1).
        out_dir: folder for the logs and results (relative names are kept).
        timeout: seconds to wait for all the workers.
        **options: passed to every worker: the keyword arguments of
            ``run_worker`` (``steps``, ``global_batch_size``, ``learning_rate``,
            ``init``, ``crash_after``, ``crash_worker``) and ``seed`` (for
            :func:`tfbook.configure <tfbook.environment.configure>`, 42 by default).

    Returns:
        One dict per worker, in task order, with ``"index"``, ``"log"`` (its
        log file), ``"pid"`` (its process id), ``"num_replicas_in_sync"``,
        ``"per_replica_batch"`` (the batch sizes of this worker's replicas),
        ``"losses"`` (the global loss of every step), ``"accuracy"`` (on the
        training subset, after training) and ``"weights"`` (a list of NumPy
        arrays, the final weights).

    Raises:
        ValueError: if ``num_workers`` is not a positive integer.
        tfbook.distribute.launcher.WorkerError: as :func:`tfbook.distribute.launcher.launch`; no
            worker is left running.

    Example:
        >>> results = train_multi_worker(2, steps=16)  # doctest: +SKIP
        >>> results[0]["losses"] == results[1]["losses"]  # doctest: +SKIP
        True
    """
    check_int("num_workers", num_workers, 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Results of an earlier run must not pass for this one's.
    for old in [*out_dir.glob("worker-*"), out_dir / "model.keras"]:
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    commands = [worker_command(out_dir, **options) for _ in range(num_workers)]
    results = launch(commands, timeout=timeout, log_dir=out_dir)
    reports = []
    for r in results:
        report = json.loads((out_dir / f"worker-{r.index}.json").read_text(encoding="utf-8"))
        report["weights"] = load_weights(out_dir / f"worker-{r.index}.npz")
        report["log"] = r.log
        report["pid"] = r.pid
        reports.append(report)
    return reports


def save_weights(path: str | os.PathLike, weights) -> None:
    """Save a list of arrays (``model.get_weights()``) to an ``.npz`` file, in order.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.npz"
        >>> save_weights(path, [np.zeros((2, 3)), np.ones(3)])
        >>> [w.shape for w in load_weights(path)]
        [(2, 3), (3,)]
    """
    import numpy as np

    np.savez(path, **{f"w{k}": np.asarray(w) for k, w in enumerate(weights)})


def load_weights(path: str | os.PathLike) -> list:
    """Load the list of arrays :func:`save_weights` wrote, for ``model.set_weights``."""
    import numpy as np

    with np.load(path) as f:
        return [f[f"w{k}"] for k in range(len(f.files))]
