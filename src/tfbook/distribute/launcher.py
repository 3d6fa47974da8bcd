"""Start processes as a cluster of ``tf.distribute`` workers, and never leave one behind.

``MultiWorkerMirroredStrategy`` trains one model in several processes that
find each other through the ``TF_CONFIG`` environment variable. On a cluster
each process runs on its own machine; here they run side by side on this one,
talking over loopback ports (``127.0.0.1``) picked free at run time.

:func:`launch` starts one process per command, each with its own
``TF_CONFIG`` (:func:`tf_config`), its output sent to a log file, waits for
all of them with a timeout and, in every case (success, a failed worker, the
timeout, an interrupt), kills what is still running before it returns or
raises. It knows nothing of what the processes run:
:func:`tfbook.distribute.multi_worker.train_multi_worker` uses it to run the
distributed-training chapter's worker.

This module does not import TensorFlow.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfbook._checks import check_int, check_real
from tfbook.environment import TF_ENVIRONMENT

#: Environment every worker gets on top of the parent's: TensorFlow quiet
#: (:data:`tfbook.environment.TF_ENVIRONMENT`), no GPU, a fixed hash seed so
#: that the processes behave the same on every run, and unbuffered output so
#: that a worker's lines reach its log file as they are printed.
WORKER_ENVIRONMENT = {
    **TF_ENVIRONMENT,
    "CUDA_VISIBLE_DEVICES": "-1",
    "PYTHONHASHSEED": "0",
    "PYTHONUNBUFFERED": "1",
}

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
            ``[sys.executable, "-m", "tfbook.distribute", "worker", ...]``
            (:func:`tfbook.distribute.multi_worker.worker_command`).
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
        >>> import sys
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
