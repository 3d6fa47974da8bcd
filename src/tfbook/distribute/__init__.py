"""Run ``tf.distribute`` workers as local processes, and never leave one behind.

The distributed-training chapter trains one model in two processes with
``MultiWorkerMirroredStrategy``. What it teaches, the training step and the
worker, is written in the chapter (``make_train_step`` and ``run_worker`` in
:mod:`tfbook.chapters.distributed_training`). This package is the machinery
around them, one role a module:

- :mod:`tfbook.distribute.launcher`: start processes as a cluster of workers
  (each with its ``TF_CONFIG``), wait, and kill whatever still runs:
  :func:`~tfbook.distribute.launcher.launch`,
  :func:`~tfbook.distribute.launcher.tf_config`,
  :func:`~tfbook.distribute.launcher.free_ports`,
  :func:`~tfbook.distribute.launcher.is_running`.
- :mod:`tfbook.distribute.multi_worker`: run the chapter's worker in
  ``num_workers`` processes and read back what they wrote:
  :func:`~tfbook.distribute.multi_worker.train_multi_worker`,
  :func:`~tfbook.distribute.multi_worker.worker_command`,
  :func:`~tfbook.distribute.multi_worker.save_weights`,
  :func:`~tfbook.distribute.multi_worker.load_weights`.
- ``tfbook.distribute.__main__``: the command line each worker process runs,
  ``python -m tfbook.distribute worker --out DIR [options]``.

The names above can be imported from ``tfbook.distribute`` itself. Importing
it does not import TensorFlow; the launcher never does.
"""

from tfbook.distribute.launcher import (
    WORKER_ENVIRONMENT,
    WorkerError,
    WorkerResult,
    free_ports,
    is_running,
    launch,
    tf_config,
)
from tfbook.distribute.multi_worker import (
    load_weights,
    save_weights,
    train_multi_worker,
    worker_command,
)

__all__ = [
    "WORKER_ENVIRONMENT",
    "WorkerError",
    "WorkerResult",
    "free_ports",
    "is_running",
    "launch",
    "load_weights",
    "save_weights",
    "tf_config",
    "train_multi_worker",
    "worker_command",
]
