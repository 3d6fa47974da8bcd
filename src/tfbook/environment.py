"""Make a notebook quiet and deterministic before TensorFlow loads.

Every chapter calls :func:`configure` in its first cell. TensorFlow reads its
logging settings from the environment once, when it is imported, so the
variables must be set before ``import tensorflow`` runs anywhere in the process.
"""

from __future__ import annotations

import os
import sys
import warnings

from tfbook._checks import check_int

#: Environment TensorFlow reads at import time. ``3`` hides INFO, WARNING and
#: ERROR lines of the C++ runtime; the oneDNN notice needs its own switch.
#: ``TF_ENABLE_ONEDNN_OPTS=0`` does not stop TensorFlow's CPU matrix products
#: (MatMul, convolutions) from calling oneDNN's sgemm, which picks SSE4.1, AVX,
#: AVX2 or AVX-512 code by CPU and so rounds differently on different machines;
#: ``ONEDNN_MAX_CPU_ISA=AVX2`` makes every CPU with AVX2 (Intel since 2013, AMD
#: since 2015) use the same AVX2 code. A CPU with AVX but no AVX2 (TensorFlow's
#: wheels need AVX) still gets the AVX code.
TF_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "KERAS_BACKEND": "tensorflow",
}


def set_tf_environment() -> None:
    """Put :data:`TF_ENVIRONMENT` into ``os.environ``.

    Raises:
        RuntimeError: if TensorFlow was imported before with other settings,
            since it would then ignore them.
    """
    if "tensorflow" in sys.modules and any(
        os.environ.get(k) != v for k, v in TF_ENVIRONMENT.items()
    ):
        raise RuntimeError(
            "TensorFlow was imported before `tfbook.configure()` ran, so its log "
            "settings can no longer change. Restart the kernel and run the first "
            "cell of the notebook before anything else."
        )
    os.environ.update(TF_ENVIRONMENT)


def versions() -> dict[str, str]:
    """Return the versions of the libraries whose output the book shows.

    Example:
        >>> sorted(versions())
        ['Keras', 'NumPy', 'Python', 'TensorFlow']
    """
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        "TensorFlow": tf.__version__,
        "Keras": keras.__version__,
        "NumPy": np.__version__,
        "Python": sys.version.split()[0],
    }


def configure(
    seed: int = 42, threads: int = 2, blas_threads: int = 1, show_versions: bool = True
) -> None:
    """Silence TensorFlow, seed every generator and make ops deterministic.

    Call it first in a notebook, before anything imports TensorFlow. It

    * sets :data:`TF_ENVIRONMENT` (no C++ log lines, no oneDNN notice);
    * seeds Python's ``random``, NumPy's global generator and TensorFlow with
      ``keras.utils.set_random_seed``;
    * turns on ``tf.config.experimental.enable_op_determinism``;
    * fixes TensorFlow's thread pools at ``threads``, since the order of a
      parallel sum depends on how many threads share it;
    * makes Eigen cut TensorFlow's matrix products into the same blocks on
      every CPU, on Linux (:func:`tfbook.eigen_cache.pin`), since it sizes them
      by the CPU's caches and the blocks decide the order of the sums;
    * limits NumPy's BLAS library to ``blas_threads`` threads, for the same
      reason (and because BLAS threads competing with TensorFlow's for a
      laptop's few cores make small matrix products many times slower);
    * makes NumPy print 4 decimals and matplotlib draw PNG figures;
    * shows one line with the versions of TensorFlow, Keras and NumPy the
      outputs were produced with.

    Args:
        seed: non-negative integer seed for all generators.
        threads: intra-op threads TensorFlow may use (a positive integer).
        blas_threads: threads NumPy's BLAS may use (a positive integer).
        show_versions: display the versions line (a Markdown line in Jupyter).

    Raises:
        ValueError: if ``seed``, ``threads`` or ``blas_threads`` is not a valid integer.

    Example (in a fresh process, before anything imports TensorFlow):
        >>> import tfbook  # doctest: +SKIP
        >>> tfbook.configure(seed=0, show_versions=False)  # doctest: +SKIP
    """
    check_int("seed", seed, minimum=0)
    check_int("threads", threads)
    check_int("blas_threads", blas_threads)
    set_tf_environment()

    import absl.logging
    import keras
    import numpy as np
    import tensorflow as tf
    import threadpoolctl

    from tfbook import eigen_cache

    absl.logging.set_verbosity(absl.logging.ERROR)
    # fit() defaults to shuffle=True and then warns that a tf.data.Dataset is
    # not shuffled by it; the book's pipelines shuffle themselves.
    warnings.filterwarnings(
        "ignore", message=r"`shuffle=True` was passed, but will be ignored", category=UserWarning
    )
    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        # The runtime is already up (configure() called twice): keep its pools.
        pass
    threadpoolctl.threadpool_limits(limits=blas_threads, user_api="blas")
    if sys.platform.startswith("linux") and not eigen_cache.pin():
        warnings.warn(
            "tfbook.configure() could not pin the cache sizes Eigen blocks matrix products "
            "by in this TensorFlow build: outputs may differ from the book's in their digits.",
            UserWarning,
            stacklevel=2,
        )
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    np.set_printoptions(precision=4, suppress=True)
    _configure_matplotlib()
    if show_versions:
        _show_versions()


def _configure_matplotlib() -> None:
    import matplotlib

    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (6.4, 3.6),
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )
    ipython = _ipython()
    if ipython is not None:
        # PNG: nbval compares SVG text but not PNG bytes, and SVG ids change per run.
        ipython.run_line_magic("config", "InlineBackend.figure_formats = ['png']")


def _show_versions() -> None:
    # Not Python's version: the lock pins these three on every Python the book
    # supports, and a stored output must be what any reader's run prints.
    line = ", ".join(f"{name} {v}" for name, v in versions().items() if name != "Python")
    text = f"Outputs on this page were produced with {line}."
    if _ipython() is not None:
        from IPython.display import Markdown, display

        display(Markdown(f"*{text}*"))
    else:
        print(text)


def _ipython():
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()
