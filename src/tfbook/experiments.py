"""Train variants of a model on the same data and compare them in one table.

The chapter "Overfitting" first writes out the steps of one experiment: build
a network, ``model.compile`` with sparse cross-entropy on logits,
``model.fit`` quietly, ``model.evaluate`` on fixed training / validation /
test sets. Then it trains dozens of variants the same way, and these
functions repeat the steps: :func:`compile_classifier` the compile step,
:func:`evaluate_variant` the evaluation (one row of numbers per variant),
:func:`train_variant` all of them, seeded. :func:`tfbook.tables.format_table`
prints the rows as a fixed-width text table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tfbook._checks import check_int, check_real


class Variant(NamedTuple):
    """One trained variant: its name, the trained model, the logs and its table row."""

    name: str
    model: object
    history: dict
    row: dict


def kernel_norm(model, order: int = 2) -> float:
    """Size of a model's weight matrices (biases excluded).

    Args:
        model: a built Keras model; every layer with a ``kernel`` counts.
        order: ``2`` for the Euclidean norm (square root of the sum of the
            squared kernel entries, all kernels together), ``1`` for the sum
            of their absolute values.

    Returns:
        A Python float.

    Raises:
        ValueError: if ``order`` is not 1 or 2, or the model has no kernel.

    Example:
        >>> import keras
        >>> model = keras.Sequential(
        ...     [keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="ones")])
        >>> kernel_norm(model), kernel_norm(model, order=1)
        (2.0, 4.0)
    """
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(
            f"Received an invalid value for `order`, expected 1 or 2. Received: order={order!r}"
        )
    kernels = [
        np.asarray(layer.kernel.numpy(), dtype=np.float64)
        for layer in _all_layers(model)
        if getattr(layer, "kernel", None) is not None
    ]
    if not kernels:
        raise ValueError(
            f"Expected a model with at least one kernel. Received: model {model.name!r} "
            "without layers that have a `kernel`"
        )
    if order == 1:
        return float(sum(np.abs(k).sum() for k in kernels))
    return float(np.sqrt(sum(np.square(k).sum() for k in kernels)))


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
        else:
            yield layer


STEPS_PER_EXECUTION = 32


def compile_classifier(model, learning_rate: float = 1e-3, optimizer=None):
    """Compile ``model`` (logits out) with sparse cross-entropy, accuracy and ``xent``.

    The step written out in the chapter "Overfitting": ``model.compile`` with
    ``SparseCategoricalCrossentropy(from_logits=True)`` and ``"accuracy"``,
    plus the plain cross-entropy as a metric named ``xent`` (once a penalty is
    added to the loss, ``xent`` is what stays comparable between models).

    Args:
        model: an uncompiled Keras classifier that outputs logits.
        learning_rate: Adam's step size, used when ``optimizer`` is ``None``.
        optimizer: ``None`` for ``keras.optimizers.Adam(learning_rate)``, or a
            Keras optimizer that no model has used yet (such as
            ``keras.optimizers.AdamW(2e-3, weight_decay=0.1)``): an optimizer
            keeps state for the weights of the one model it trains.

    Returns:
        The same model, compiled.

    Raises:
        ValueError: on a bad ``learning_rate``, or an ``optimizer`` that is not
            a Keras optimizer or was already used.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> model = compile_classifier(model, optimizer=keras.optimizers.SGD(0.1))
        >>> type(model.optimizer).__name__, model.loss.from_logits
        ('SGD', True)
    """
    import keras

    learning_rate = check_real("learning_rate", learning_rate, "(0, inf)")
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(
            "Received an invalid value for `optimizer`, expected None or a Keras "
            f"optimizer. Received: optimizer of type {type(optimizer).__name__}"
        )
    elif optimizer.built:
        raise ValueError(
            "Received an invalid value for `optimizer`, expected a fresh optimizer: "
            f"it keeps state for one model's weights. Received: optimizer {optimizer.name!r}, "
            "already built for another model"
        )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            "accuracy",
            keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="xent"),
        ],
        # Several batches per call into TensorFlow: the same arithmetic, less
        # Python overhead per step, which dominates for a small MLP.
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return model


def train_variant(
    name: str,
    model,
    train,
    *,
    epochs: int,
    val=None,
    test=None,
    train_eval=None,
    validate_each_epoch: bool = False,
    callbacks=(),
    learning_rate: float = 1e-3,
    optimizer=None,
    seed: int | None = 0,
    log_every: int | None = None,
) -> Variant:
    """Build, compile, train quietly and evaluate one variant; return it with a table row.

    The steps written out in the chapter "Overfitting": seed, build, compile
    (:func:`compile_classifier`), ``fit`` quietly, evaluate
    (:func:`evaluate_variant`); with the same seed it gives the same numbers as
    those cells. Variants trained with the same ``seed`` start from the same
    random state, so they are paired: the same batch order and, unless their
    layers draw random numbers while the network is built (``Dropout`` layers
    do, which changes the initial weights of the layers after the first), the
    same initial weights. But one seed is one draw of that state, and the
    chapter compares variants over five seeds before it calls a difference a
    gain.

    Args:
        name: the variant's name, the first column of its row.
        model: a function of no arguments returning an uncompiled Keras
            classifier that outputs logits (or such a model, already built).
        train: the training ``tf.data.Dataset`` (shuffled, maybe augmented), or
            a function of no arguments returning one, called after seeding: a
            shuffled dataset reused by several runs would give each run a
            different order.
        epochs: most epochs to train (a positive integer; callbacks such as
            ``EarlyStopping`` may stop sooner).
        val: validation dataset, evaluated after training (and after every
            epoch if ``validate_each_epoch``, which early stopping needs).
        test: held-out test dataset, evaluated once after training.
        train_eval: the training images without shuffling or augmentation, to
            measure training accuracy with the final weights (dropout off).
        validate_each_epoch: pass ``val`` to ``fit`` for per-epoch curves.
        callbacks: extra Keras callbacks.
        learning_rate: Adam's step size, used when ``optimizer`` is ``None``.
        optimizer: ``None`` for Adam, or a function of no arguments returning a
            fresh Keras optimizer (called after seeding, once per variant),
            e.g. ``lambda: keras.optimizers.AdamW(2e-3, weight_decay=0.1)``.
        seed: passed to ``keras.utils.set_random_seed`` before the model is
            built (a non-negative integer), or ``None`` to keep the current state.
        log_every: print one line every ``log_every`` epochs
            (:class:`tfbook.callbacks.EpochLogger`); ``None`` prints nothing.

    Returns:
        A :class:`Variant`. Its ``row`` holds ``variant``, ``epochs`` (run),
        ``params``, then ``train_acc``, ``val_acc``, ``val_xent`` (validation
        cross-entropy without any regularization penalty), ``test_acc`` and
        ``test_xent``, each only if its dataset was given, and ``kernel_norm``
        (:func:`kernel_norm`).

    Raises:
        ValueError: on an empty ``name``, a bad ``epochs``, ``seed`` or
            ``log_every``, an ``optimizer`` that is not a function, or
            ``validate_each_epoch`` without ``val``.

    Example:
        >>> v = train_variant("baseline", five_layer_mlp, train, epochs=5,
        ...                   val=val, test=test)  # doctest: +SKIP
        >>> print(format_table([v.row]))  # doctest: +SKIP
    """
    import keras

    from tfbook.callbacks import EpochLogger

    _check_name(name)
    check_int("epochs", epochs)
    if log_every is not None:
        check_int("log_every", log_every)
    if seed is not None:
        check_int("seed", seed, minimum=0)
    if validate_each_epoch and val is None:
        raise ValueError(
            "Received validate_each_epoch=True without a validation set. Received: val=None"
        )
    if not isinstance(model, keras.Model) and not callable(model):
        raise ValueError(
            "Received an invalid value for `model`, expected a Keras model or a function "
            f"that builds one. Received: model of type {type(model).__name__}"
        )
    if optimizer is not None and not callable(optimizer):
        raise ValueError(
            "Received an invalid value for `optimizer`, expected None or a function that "
            f"returns a fresh Keras optimizer. Received: optimizer of type {type(optimizer).__name__}"
        )
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if not isinstance(model, keras.Model):
        model = model()
    if callable(train):
        train = train()
    compile_classifier(model, learning_rate, optimizer=None if optimizer is None else optimizer())
    callbacks = list(callbacks)
    if log_every is not None:
        callbacks.append(EpochLogger(every=log_every))
    history = model.fit(
        train,
        epochs=epochs,
        validation_data=val if validate_each_epoch else None,
        verbose=0,
        callbacks=callbacks,
    )
    return evaluate_variant(name, model, history, val=val, test=test, train_eval=train_eval)


def evaluate_variant(name: str, model, history, *, val=None, test=None, train_eval=None) -> Variant:
    """Evaluate a trained model on fixed datasets and return it with its table row.

    The last step of :func:`train_variant`, for a model compiled and trained
    in the open (as the chapter "Overfitting" does first).

    Args:
        name: the variant's name, the first column of its row.
        model: a trained Keras classifier compiled with the metric
            ``"accuracy"`` (and optionally a cross-entropy metric named
            ``xent``, as :func:`compile_classifier` adds).
        history: what ``model.fit`` returned (its ``.history`` is kept).
        val: validation dataset: ``val_acc`` and, with ``xent``, ``val_xent``.
        test: test dataset: ``test_acc`` and, with ``xent``, ``test_xent``.
        train_eval: the training images unshuffled and unaugmented: ``train_acc``.

    Returns:
        A :class:`Variant`; its ``row`` holds ``variant``, ``epochs`` (the
        number run), ``params``, the columns of the datasets given, and
        ``kernel_norm`` (:func:`kernel_norm`).

    Raises:
        ValueError: on an empty ``name``, or a ``history`` without ``loss``.

    Example:
        >>> history = model.fit(train, epochs=5, verbose=0)  # doctest: +SKIP
        >>> evaluate_variant("baseline", model, history, val=val).row["val_acc"]  # doctest: +SKIP
        0.8038
    """
    _check_name(name)
    logs = getattr(history, "history", None)
    if not isinstance(logs, dict) or "loss" not in logs:
        raise ValueError(
            "Received an invalid value for `history`, expected what `model.fit` returns. "
            f"Received: history of type {type(history).__name__}"
        )
    row = {"variant": name, "epochs": len(logs["loss"]), "params": model.count_params()}
    if train_eval is not None:
        row["train_acc"] = float(model.evaluate(train_eval, verbose=0, return_dict=True)["accuracy"])
    if val is not None:
        scores = model.evaluate(val, verbose=0, return_dict=True)
        row["val_acc"] = float(scores["accuracy"])
        if "xent" in scores:
            row["val_xent"] = float(scores["xent"])
    if test is not None:
        scores = model.evaluate(test, verbose=0, return_dict=True)
        row["test_acc"] = float(scores["accuracy"])
        if "xent" in scores:
            row["test_xent"] = float(scores["xent"])
    row["kernel_norm"] = kernel_norm(model)
    return Variant(name, model, dict(logs), row)


def _check_name(name) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"Received an invalid value for `name`, expected a non-empty string. "
            f"Received: name={name!r}"
        )
