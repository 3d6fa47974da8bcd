"""How fast the training chapter's five-layer MLP trains, against what the CPU can do.

The training chapter may only print timings in the sanitized form ``took 1.23 s``
(they differ from run to run and machine to machine), so the numbers it quotes
come from this script, run once on the machine named in the chapter.

It measures, with the chapter's settings (``tfbook.configure``: seeded, op
determinism on, TensorFlow on 2 intra-op threads):

* one pass over ``train_db`` without a model: what the input pipeline costs;
* NumPy's float32 matrix product ``C = A @ B`` of two n x n matrices, at 1 BLAS
  thread (what the book's set-up cell allows) and at all cores, as
  ``2 n^3 / time`` GFLOP/s: a practical ceiling for dense layers on this CPU;
* the same for the network's first product on one batch, 128x784 times 784x256;
* both products with TensorFlow's own ``tf.linalg.matmul``, the kernel ``fit``
  uses, on the threads the book gives TensorFlow;
* one epoch of ``fit`` for the chapter's network (784-256-128-64-32-10, ReLU,
  Adam, integer labels, batch 128) on the chapter's ``train_db`` (55,000
  Fashion-MNIST images), compiled three ways: default, ``steps_per_execution=32``
  and ``jit_compile=True``, first with op determinism on (the book's setting,
  under which Keras 3.15 ignores ``jit_compile=True`` with a warning and runs
  without XLA), then with it off (TensorFlow's default, where XLA really
  compiles the step). Each model first trains one untimed epoch (Keras traces,
  and XLA compiles, the training step), then ``--epochs`` timed ones; the table
  shows the fastest epoch's time, images per second and the achieved GFLOP/s,
  counting ``3 x 2 x parameters`` FLOP per image (forward pass
  ``2 x parameters``, backward pass about twice that).

Every time is the fastest of several tries (as ``timeit`` does): on a machine
that other work shares, the fastest try is the one least disturbed. The script
prints the load average before and after; one well above the number of cores
means other work shared the CPU and the numbers came out low.

Run from the repository root (after ``make data``)::

    .venv/bin/python bench/training_speed.py [--epochs 3] [--size 2048]

The report the chapter quotes is kept in ``bench/results/training_speed.txt``
(``... | tee bench/results/training_speed.txt``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import tfbook

#: Ways of compiling the same model, by name: keyword arguments of ``compile``.
VARIANTS = {
    "default": {},
    "steps_per_execution=32": {"steps_per_execution": 32},
    "jit_compile=True": {"jit_compile": True},
}


def cpu_name() -> str:
    """The CPU's model name from ``/proc/cpuinfo``, or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def matmul_gflops(n: int, threads: int, repeats: int = 10) -> float:
    """Best-of-``repeats`` GFLOP/s of an ``n x n`` float32 matrix product."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b  # warm up: page in the matrices, start the BLAS threads
        best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def matmul_gflops_shape(m: int, k: int, n: int, threads: int, repeats: int = 200) -> float:
    """Best-of-``repeats`` GFLOP/s of an ``(m, k) @ (k, n)`` float32 product."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b
        best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * m * k * n / best / 1e9


def tf_matmul_gflops(m: int, k: int, n: int, repeats: int) -> float:
    """Best-of-``repeats`` GFLOP/s of TensorFlow's float32 ``tf.linalg.matmul``, ``(m, k) @ (k, n)``.

    The kernel ``fit`` itself uses, on the threads ``tfbook.configure`` gives
    TensorFlow (eager ops on the CPU return when their result is ready).
    """
    import tensorflow as tf

    a = tf.random.normal((m, k), seed=0)
    b = tf.random.normal((k, n), seed=1)
    tf.linalg.matmul(a, b)
    best = min(_timed(lambda: tf.linalg.matmul(a, b)) for _ in range(repeats))
    return 2 * m * k * n / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per variant (default 3)")
    parser.add_argument("--size", type=int, default=2048, help="matrix size n for NumPy (default 2048)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.size < 1:
        parser.error("--epochs and --size must be positive")

    tfbook.configure(seed=42, show_versions=False)

    import keras
    import tensorflow as tf

    from tfbook.chapters.training import fashion_mnist_datasets
    from tfbook.models import five_layer_mlp

    cores = os.cpu_count() or 1
    print(
        f"CPU: {cpu_name()}, {cores} cores; TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"NumPy float32 matmul {args.size}x{args.size}:")
    for threads in sorted({1, cores}):
        print(f"  {threads} BLAS thread(s): {matmul_gflops(args.size, threads):6.1f} GFLOP/s")
    print("NumPy float32 matmul 128x784 @ 784x256 (the first layer's product on one batch):")
    for threads in sorted({1, cores}):
        print(f"  {threads} BLAS thread(s): {matmul_gflops_shape(128, 784, 256, threads):6.1f} GFLOP/s")

    intra = tf.config.threading.get_intra_op_parallelism_threads()
    print(f"TensorFlow float32 tf.linalg.matmul ({intra} intra-op threads, the book's setting):")
    n = args.size
    print(f"  {n}x{n}: {tf_matmul_gflops(n, n, n, 10):6.1f} GFLOP/s")
    print(f"  128x784 @ 784x256: {tf_matmul_gflops(128, 784, 256, 200):6.1f} GFLOP/s")

    train_db, _, _ = fashion_mnist_datasets(batch_size=128, one_hot=False)
    steps = int(train_db.cardinality())
    images = sum(int(tf.shape(y)[0]) for _, y in train_db)
    params = five_layer_mlp().count_params()
    flop_per_epoch = 3 * 2 * params * images
    print(
        f"five-layer MLP: {params:,} parameters, {images:,} images in {steps} steps of 128, "
        f"{flop_per_epoch / 1e9:.1f} GFLOP per epoch (3 x 2 x parameters x images)"
    )
    pipeline = min(_timed(lambda: [None for _ in train_db]) for _ in range(args.epochs))
    print(f"input pipeline alone, one pass over train_db without a model: {pipeline:.2f} s")
    print(f"{'op determinism':<15} {'compile':<24} {'s/epoch':>8} {'images/s':>9} {'GFLOP/s':>8}")
    for determinism in (True, False):
        if not determinism:
            # The private counterpart of tf.config.experimental.enable_op_determinism.
            from tensorflow.python.framework.config import disable_op_determinism

            disable_op_determinism()
        for name, kwargs in VARIANTS.items():
            keras.utils.set_random_seed(42)
            model = five_layer_mlp()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the jit_compile notice; the table says it
                model.compile(
                    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"],
                    **kwargs,
                )
            ignored = kwargs.get("jit_compile") and not model.jit_compile
            note = " (Keras ignored jit_compile=True: no XLA)" if ignored else ""
            model.fit(train_db, epochs=1, verbose=0)  # untimed: tracing (and XLA compilation)
            seconds = [
                _timed(lambda m=model: m.fit(train_db, epochs=1, verbose=0)) for _ in range(args.epochs)
            ]
            s = min(seconds)
            print(
                f"{'on' if determinism else 'off':<15} {name:<24} {s:8.2f} {images / s:9.0f} "
                f"{flop_per_epoch / s / 1e9:8.1f}{note}"
            )
    print(f"(fastest of {args.epochs} timed epochs each; load average now {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
