"""Time the hand-written NumPy MLP against the same network in Keras.

Both train the backpropagation chapter's network (784-128-64-10, ReLU, softmax
cross-entropy, plain SGD, float32) on the 3,500 MNIST training digits, from the
same initial weights and on the same mini-batches, for a few epochs. The script
prints each epoch's wall time for both and the ratio NumPy / Keras, all
measured in this one run, and the last epoch's mean loss of both as a check
that they trained alike.

Keras runs one ``fit(..., epochs=1, shuffle=False)`` per epoch on the rows in
the batch order NumPy uses, so it sees the same batches; its first epoch
includes tracing the training function into a graph.

Run from the repository root::

    .venv/bin/python bench/mlp_vs_keras.py [--epochs 5] [--blas-threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import tfbook

LAYER_SIZES = [784, 128, 64, 10]
BATCH_SIZE = 50
LEARNING_RATE = 0.1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs to time (default 5)")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="threads of NumPy's BLAS (default 1, as in the chapter; 0 leaves the default)",
    )
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.blas_threads < 0:
        parser.error("--epochs must be positive and --blas-threads non-negative")

    tfbook.configure(show_versions=False)

    import keras
    import numpy as np
    import tensorflow as tf
    from threadpoolctl import threadpool_info, threadpool_limits

    from tfbook.chapters.backpropagation import NumpyMLP, minibatch_indices
    from tfbook.data import load_mnist_digits

    if args.blas_threads:
        threadpool_limits(limits=args.blas_threads, user_api="blas")
    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    data = load_mnist_digits()
    x = data.x_train.reshape(-1, 784)
    y = data.y_train

    mlp = NumpyMLP(LAYER_SIZES, activation="relu", seed=1)
    model = keras.Sequential(
        [keras.Input(shape=(784,))]
        + [keras.layers.Dense(n, activation="relu") for n in LAYER_SIZES[1:-1]]
        + [keras.layers.Dense(LAYER_SIZES[-1])]
    )
    model.set_weights(mlp.get_weights())
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )

    print(
        f"network {'-'.join(map(str, LAYER_SIZES))}, {len(x)} images, batch {BATCH_SIZE}, "
        f"float32; NumPy BLAS threads {blas}, TensorFlow intra-op threads "
        f"{tf.config.threading.get_intra_op_parallelism_threads()}"
    )
    print(f"{'epoch':>5} {'numpy s':>9} {'keras s':>9} {'numpy/keras':>12}")
    rng_numpy = np.random.default_rng(2)
    rng_keras = np.random.default_rng(2)
    ratios = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        total = 0.0
        for idx in minibatch_indices(len(x), BATCH_SIZE, rng_numpy):
            loss, _ = mlp.train_step(x[idx], y[idx], LEARNING_RATE)
            total += loss * len(idx)
        numpy_seconds = time.perf_counter() - start
        numpy_loss = total / len(x)

        order = np.concatenate(list(minibatch_indices(len(x), BATCH_SIZE, rng_keras)))
        start = time.perf_counter()
        logs = model.fit(
            x[order], y[order], batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0
        )
        keras_seconds = time.perf_counter() - start
        keras_loss = logs.history["loss"][-1]

        ratios.append(numpy_seconds / keras_seconds)
        note = " (Keras traces its graph)" if epoch == 1 else ""
        print(f"{epoch:>5} {numpy_seconds:>9.3f} {keras_seconds:>9.3f} {ratios[-1]:>12.2f}{note}")

    later = ratios[1:] or ratios
    print(f"median ratio numpy/keras over epochs {2 if len(ratios) > 1 else 1}-{len(ratios)}: "
          f"{statistics.median(later):.2f}")
    print(f"last epoch mean loss: numpy {numpy_loss:.4f}, keras {keras_loss:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
