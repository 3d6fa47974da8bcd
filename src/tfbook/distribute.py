"""Run ``tf.distribute`` workers as local processes, and never leave one behind.

``MultiWorkerMirroredStrategy`` trains one model in several processes that
find each other through the ``TF_CONFIG`` environment variable. On a cluster
each process runs on its own machine; here they run side by side on this one,
talking over loopback ports (``127.0.0.1``) picked free at run time.

:func:`launch` starts one process per worker, each with its own ``TF_CONFIG``,
its output sent to a log file, waits for all of them with a timeout and, in
every case (success, a failed worker, the timeout, an interrupt), kills what is
still running before it returns or raises. :func:`train_multi_worker` uses it
to train the book's five-layer network in ``num_workers`` processes; the code
each worker runs is :func:`run_worker`, started as::

    python -m tfbook.distribute worker --out DIR [--steps N ...]

Importing this module does not import TensorFlow; the launcher itself never does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfbook._checks import check_int, check_real
from tfbook.environment import TF_ENVIRONMENT

#: Environment every worker gets on top of the parent's: TensorFlow quiet
#: (:data:`tfbook.environment.TF_ENVIRONMENT`), no GPU, and a fixed hash seed
#: so that the processes behave the same on every run.
WORKER_ENVIRONMENT = {
    **TF_ENVIRONMENT,
    "CUDA_VISIBLE_DEVICES": "-1",
    "PYTHONHASHSEED": "0",
    "PYTHONUNBUFFERED": "1",
}

#: Exit code of a worker told to crash on purpose (``--crash-after``).
CRASH_EXIT_CODE = 3


@dataclass(frozen=True)
class WorkerResult:
    """What :func:`launch` knows about one finished worker.

    Attributes:
        index: the worker's task index in ``TF_CONFIG`` (0 is the chief).
        returncode: its exit code (negative: killed by that signal).
        log: the file holding its stdout and stderr.
        pid: its process id while it ran.
    """

    index: int
    returncode: int
    log: Path
    pid: int


class WorkerError(RuntimeError):
    """A worker failed or the workers ran out of time; none is left running.

    Attributes:
        results: a :class:`WorkerResult` per worker, in task order.
    """

    def __init__(self, message: str, results: list[WorkerResult]):
        super().__init__(message)
        self.results = results

    @property
    def pids(self) -> list[int]:
        """Process ids of all the workers of the failed launch."""
        return [r.pid for r in self.results]


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """Return ``n`` distinct TCP ports that were free on ``host`` a moment ago.

    The operating system picks them (bind to port 0); all ``n`` sockets are
    held open together so the ports differ, then closed for the workers to use.

    Args:
        n: number of ports (a positive integer).
        host: address to bind, loopback by default.

    Returns:
        A list of ``n`` port numbers.

    Example:
        >>> len(set(free_ports(2)))
        2
    """
    check_int("n", n, 1)
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: Sequence[int], index: int, host: str = "127.0.0.1") -> dict:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of workers on ``host``.

    Args:
        ports: one port per worker; the cluster has ``len(ports)`` workers.
        index: this worker's task index, from 0 (the chief) to ``len(ports) - 1``.
        host: the workers' address.

    Returns:
        A dict to serialize with ``json.dumps`` into ``os.environ["TF_CONFIG"]``.

    Example:
        >>> tf_config([2222, 2223], 1)["cluster"]
        {'worker': ['127.0.0.1:2222', '127.0.0.1:2223']}
        >>> tf_config([2222, 2223], 1)["task"]
        {'type': 'worker', 'index': 1}
    """
    if not ports:
        raise ValueError(
            "Received an invalid value for `ports`, expected at least one port. "
            f"Received: ports={list(ports)!r}"
        )
    check_int("index", index, minimum=0, maximum=len(ports) - 1)
    return {
        "cluster": {"worker": [f"{host}:{p}" for p in ports]},
        "task": {"type": "worker", "index": index},
    }


def is_running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's process: it exists
        return True


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and everything it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass


def _names(indices: Sequence[int]) -> str:
    return ("worker " if len(indices) == 1 else "workers ") + ", ".join(map(str, indices))


def launch(
    commands: Sequence[Sequence[str]],
    timeout: float = 300.0,
    log_dir: str | os.PathLike = "_scratch/workers",
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    poll_interval: float = 0.05,
) -> list[WorkerResult]:
    """Start one process per command as a cluster of workers, wait, clean up.

    Worker ``i`` runs ``commands[i]`` with ``TF_CONFIG`` set by :func:`tf_config`
    on free ports of ``host``, with :data:`WORKER_ENVIRONMENT` (and ``env``) on
    top of this process's environment, in its own process group, and with its
    stdout and stderr written to ``log_dir/worker-i.log``.

    The launcher waits until every worker has exited. It stops early when one
    exits with a non-zero code (the others would wait for it forever in their
    next collective operation) or when ``timeout`` seconds have passed: it then
    kills the process groups of the workers still running and raises
    :class:`WorkerError`. Whatever happens, no worker (nor any process a worker
    started) is left running when this function returns or raises.

    Args:
        commands: one argument list per worker, e.g.
            ``[sys.executable, "-m", "tfbook.distribute", "worker", ...]``.
        timeout: seconds to wait for all workers (a positive number).
        log_dir: folder for the log files (created if missing).
        host: the address the workers listen on.
        env: extra environment variables for every worker.
        poll_interval: seconds between two checks of the workers.

    Returns:
        A :class:`WorkerResult` per worker, in task order, all with exit code 0.

    Raises:
        ValueError: on no commands or a bad ``timeout``.
        WorkerError: if a worker exits with a non-zero code or the timeout
            passes; the message names the workers and is the same on every run.

    Example:
        >>> cmd = [sys.executable, "-c", "print('hello')"]
        >>> [r.returncode for r in launch([cmd, cmd], timeout=60)]  # doctest: +SKIP
        [0, 0]
    """
    if not commands or any(not c for c in commands):
        raise ValueError(
            "Received an invalid value for `commands`, expected one non-empty argument list "
            f"per worker. Received: commands={list(commands)!r}"
        )
    check_real("timeout", timeout, "(0, inf)")
    check_real("poll_interval", poll_interval, "(0, inf)")
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = free_ports(len(commands), host)
    procs: list[subprocess.Popen] = []
    logs: list[Path] = []
    try:
        for i, command in enumerate(commands):
            worker_env = {**os.environ, **WORKER_ENVIRONMENT, **(env or {})}
            worker_env["TF_CONFIG"] = json.dumps(tf_config(ports, i, host))
            log = log_dir / f"worker-{i}.log"
            logs.append(log)
            with open(log, "wb") as out:
                procs.append(
                    subprocess.Popen(
                        list(command),
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=worker_env,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + timeout
        failed: list[int] = []
        while True:
            codes = [p.poll() for p in procs]
            failed = [i for i, c in enumerate(codes) if c not in (None, 0)]
            if failed or all(c == 0 for c in codes) or time.monotonic() > deadline:
                break
            time.sleep(poll_interval)
        running = [i for i, p in enumerate(procs) if p.poll() is None]
    finally:
        # Every path, an exception or KeyboardInterrupt included, ends here.
        for p in procs:
            _kill_group(p)
    results = [
        WorkerResult(index=i, returncode=p.returncode, log=logs[i], pid=p.pid)
        for i, p in enumerate(procs)
    ]
    if failed:
        what = "; ".join(f"worker {i} exited with code {results[i].returncode}" for i in failed)
        stopped = f"; stopped {_names(running)}" if running else ""
        raise WorkerError(f"{what}{stopped} (logs in {log_dir.as_posix()}/)", results)
    if running:
        raise WorkerError(
            f"timed out after {timeout:g} s; stopped {_names(running)} "
            f"(logs in {log_dir.as_posix()}/)",
            results,
        )
    return results


def worker_command(out_dir: str | os.PathLike, **options) -> list[str]:
    """The command line that runs :func:`run_worker` in a new Python process.

    Args:
        out_dir: the folder the worker writes its result into.
        **options: :func:`run_worker` keyword arguments (``steps=20`` becomes
            ``--steps 20``).

    Example:
        >>> worker_command("_scratch/mw", steps=5)[1:]
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

    Starts ``num_workers`` copies of :func:`run_worker` with :func:`launch` and
    reads back what each one saved.

    Args:
        num_workers: number of worker processes (an integer >= 1).
        out_dir: folder for the logs and results (relative names are kept).
        timeout: seconds to wait for all the workers.
        **options: passed to every :func:`run_worker` (``steps``,
            ``global_batch_size``, ``learning_rate``, ``init``, ``seed``,
            ``crash_after``, ``crash_worker``).

    Returns:
        One dict per worker, in task order, with ``"index"``, ``"log"`` (its
        log file), ``"pid"`` (its process id), ``"num_replicas_in_sync"``, ``"per_replica_batch"`` (the
        batch sizes of this worker's replicas), ``"losses"`` (the global loss
        of every step), ``"accuracy"`` (on the training subset, after training)
        and ``"weights"`` (a list of NumPy arrays, the final weights).

    Raises:
        WorkerError: as :func:`launch`; no worker is left running.

    Example:
        >>> results = train_multi_worker(2, steps=16)  # doctest: +SKIP
        >>> results[0]["losses"] == results[1]["losses"]  # doctest: +SKIP
        True
    """
    check_int("num_workers", num_workers, 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
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
    """Save a list of arrays (``model.get_weights()``) to an ``.npz`` file, in order."""
    import numpy as np

    np.savez(path, **{f"w{k}": np.asarray(w) for k, w in enumerate(weights)})


def load_weights(path: str | os.PathLike) -> list:
    """Load the list of arrays :func:`save_weights` wrote, for ``model.set_weights``."""
    import numpy as np

    with np.load(path) as f:
        return [f[f"w{k}"] for k in range(len(f.files))]


def load_subset(num_examples: int):
    """The first ``num_examples`` Fashion-MNIST training images and labels.

    Returns:
        ``(images, labels)``: uint8 ``(num_examples, 28, 28)`` and ``(num_examples,)``.
    """
    from tfbook.data import load_fashion_mnist

    check_int("num_examples", num_examples, 1)
    (x, y), _ = load_fashion_mnist()
    return x[:num_examples], y[:num_examples]


def run_worker(
    out: str,
    steps: int = 32,
    global_batch_size: int = 64,
    learning_rate: float = 1e-3,
    init: str | None = None,
    seed: int = 42,
    crash_after: int = 0,
    crash_worker: int = -1,
) -> None:
    """Train the five-layer MLP as one worker of a ``MultiWorkerMirroredStrategy``.

    Run by ``python -m tfbook.distribute worker`` with ``TF_CONFIG`` set (see
    :func:`launch`). Every worker builds the same pipeline over the first
    ``steps * global_batch_size`` Fashion-MNIST images (in order, so the run
    can be compared with one device); the strategy shards it so that each
    worker gets its part of every global batch. It trains with
    :func:`~tfbook.chapters.distributed_training.make_train_step` for ``steps``
    steps. The chief (worker 0) saves the
    model to ``out/model.keras``; the other workers save to a folder of their
    own and delete it. Every worker then writes ``out/worker-<index>.json``
    (losses, batch sizes, accuracy) and ``out/worker-<index>.npz`` (its final
    weights), for the comparison.

    Args:
        out: folder for the results.
        steps: optimizer steps (one pass over the subset).
        global_batch_size: images per step, summed over all workers.
        learning_rate: Adam's learning rate.
        init: an ``.npz`` file of initial weights (:func:`save_weights`), or None.
        seed: seed for :func:`tfbook.environment.configure`.
        crash_after: with ``crash_worker``, exit abruptly (code
            :data:`CRASH_EXIT_CODE`) after this many steps, to show what a
            failed worker looks like; 0 never crashes.
        crash_worker: the index of the worker that crashes.
    """
    from tfbook.environment import configure

    configure(seed=seed, show_versions=False)
    import keras
    import numpy as np
    import tensorflow as tf

    from tfbook.chapters.distributed_training import make_train_step
    from tfbook.chapters.training import make_dataset
    from tfbook.models import five_layer_mlp

    # Created before any other op: it starts this process's server, joins the cluster.
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING
        )
    )
    resolver = strategy.cluster_resolver
    index = resolver.task_id
    print(
        f"worker {index} of {resolver.cluster_spec().num_tasks('worker')}: "
        f"{strategy.num_replicas_in_sync} replicas in sync",
        flush=True,
    )
    images, labels = load_subset(steps * global_batch_size)
    dataset = make_dataset(images, labels, batch_size=global_batch_size)
    options = tf.data.Options()
    # Each worker keeps its share of every global batch (not whole files).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    dist_dataset = strategy.experimental_distribute_dataset(dataset.with_options(options))

    with strategy.scope():
        model = five_layer_mlp()
        if init:
            model.set_weights(load_weights(init))
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    train_step = make_train_step(strategy, model, optimizer, global_batch_size)

    losses, per_replica = [], []
    for step, batch in enumerate(dist_dataset, start=1):
        if not per_replica:
            per_replica = [int(t.shape[0]) for t in strategy.experimental_local_results(batch[0])]
        losses.append(float(train_step(batch)))
        print(f"worker {index}: step {step}, loss {losses[-1]:.4f}", flush=True)
        if crash_after and index == crash_worker and step == crash_after:
            print(f"worker {index}: simulated crash after step {step}", flush=True)
            os._exit(CRASH_EXIT_CODE)

    logits = model.predict(make_dataset(images, labels, batch_size=256), verbose=0)
    accuracy = float(np.mean(np.argmax(logits, axis=1) == labels))
    out_dir = Path(out)
    # Saving: every worker calls save() (in general it may need collective ops),
    # but only the chief (worker 0) writes where the model should end up.
    if index == 0:
        model.save(out_dir / "model.keras")
    else:
        scratch = out_dir / f"worker-{index}-tmp"
        scratch.mkdir(exist_ok=True)
        model.save(scratch / "model.keras")
        shutil.rmtree(scratch)
    # For the book's comparison, every worker also reports its own weights.
    save_weights(out_dir / f"worker-{index}.npz", model.get_weights())
    report = {
        "index": index,
        "num_replicas_in_sync": strategy.num_replicas_in_sync,
        "per_replica_batch": per_replica,
        "losses": losses,
        "accuracy": accuracy,
    }
    (out_dir / f"worker-{index}.json").write_text(json.dumps(report), encoding="utf-8")
    print(f"worker {index}: done", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tfbook.distribute worker --out DIR [options]``."""
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
    run_worker(**args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
