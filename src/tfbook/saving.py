"""Small tools for checking that a saved model comes back as it left.

* :func:`archive_members`: what is inside a ``.keras`` file (a zip archive).
* :func:`max_prediction_difference`: the largest gap between two models'
  predictions on the same inputs, the number a round trip must bring to 0.
* :func:`max_weight_difference`: the same for two models' weights.
* :func:`load_weights_atomically`: ``model.load_weights`` that either loads
  everything or leaves the model exactly as it was.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from tfbook._checks import check_int


def _numpy(variable) -> np.ndarray:
    value = variable.numpy() if hasattr(variable, "numpy") else variable
    return np.asarray(value)


def archive_members(filepath) -> list[str]:
    """Return the names of the files inside a ``.keras`` archive, in order.

    Args:
        filepath: path of a ``.keras`` file (a zip archive written by
            ``model.save``).

    Returns:
        The member names, e.g. ``['metadata.json', 'config.json',
        'model.weights.h5']``.

    Raises:
        ValueError: if ``filepath`` does not end in ``.keras``, does not exist,
            or is not a zip archive.

    Example:
        >>> model.save("_scratch/mlp.keras")  # doctest: +SKIP
        >>> archive_members("_scratch/mlp.keras")  # doctest: +SKIP
        ['metadata.json', 'config.json', 'model.weights.h5']
    """
    name = os.fspath(filepath)
    if not name.endswith(".keras"):
        raise ValueError(
            "Received an invalid value for `filepath`, expected a path ending in `.keras`. "
            f"Received: filepath={name!r}"
        )
    if not os.path.isfile(name):
        raise ValueError(
            "Received an invalid value for `filepath`, expected an existing file. "
            f"Received: filepath={name!r}"
        )
    if not zipfile.is_zipfile(name):
        raise ValueError(
            "Received an invalid value for `filepath`, expected a zip archive "
            f"(the file is damaged or is not a `.keras` file). Received: filepath={name!r}"
        )
    with zipfile.ZipFile(name) as archive:
        return archive.namelist()


def _call(model, inputs):
    import keras

    if isinstance(model, keras.layers.Layer):  # models too; also TFSMLayer
        return np.asarray(model(inputs, training=False))
    return np.asarray(model(inputs))


def _outputs(model, x, batch_size):
    if not callable(model):
        raise ValueError(
            "Expected a Keras model or layer, or a callable. "
            f"Received: model of type {type(model).__name__}"
        )
    if hasattr(x, "element_spec"):  # a tf.data.Dataset of (x, y) or x batches
        batches = (batch[0] if isinstance(batch, tuple) else batch for batch in x)
    else:
        x = np.asarray(x)
        batches = (x[i : i + batch_size] for i in range(0, len(x), batch_size))
    outputs = [_call(model, batch) for batch in batches]
    return np.concatenate(outputs) if outputs else np.zeros((0,))


def max_prediction_difference(model_a, model_b, x, batch_size: int = 256) -> float:
    """Largest absolute difference between two models' outputs on ``x``.

    Both models are called on exactly the same batches (a matrix product can
    round differently when the batch size changes, which is not what a round
    trip should measure).

    Args:
        model_a: a Keras model or layer (e.g. ``keras.layers.TFSMLayer``), or
            any callable mapping a batch to outputs (e.g. the ``serve``
            endpoint of a reloaded SavedModel).
        model_b: the same kinds as ``model_a``.
        x: inputs both accept: an array of shape ``(n, ...)``, cut into
            batches of ``batch_size``, or a ``tf.data.Dataset`` of ``(x, y)``
            (or ``x``) batches, iterated in a fixed order.
        batch_size: rows per call when ``x`` is an array (a positive integer).

    Returns:
        ``max |a(x) - b(x)|`` over every output value, as a Python float; 0.0
        means the two models agree exactly.

    Raises:
        ValueError: if a model is not callable, ``batch_size`` is not a
            positive integer, or the two outputs have different shapes.

    Example:
        >>> max_prediction_difference(model, keras.models.load_model(path), x_val)  # doctest: +SKIP
        0.0
    """
    check_int("batch_size", batch_size)
    out_a = _outputs(model_a, x, batch_size)
    out_b = _outputs(model_b, x, batch_size)
    if out_a.shape != out_b.shape:
        raise ValueError(
            "Expected both models to give outputs of the same shape. "
            f"Received: shapes {out_a.shape} and {out_b.shape}"
        )
    if out_a.size == 0:
        return 0.0
    return float(np.max(np.abs(out_a.astype(np.float64) - out_b.astype(np.float64))))


def max_weight_difference(model_a, model_b) -> float:
    """Largest absolute difference between the weights of two models.

    Weights are paired in the order of ``model.weights`` (trainable and
    non-trainable), so the two models must have the same architecture. Either
    side may also be a list of arrays, such as ``model.get_weights()`` or
    weights another process saved.

    Args:
        model_a: a built Keras model or layer, or a list of arrays.
        model_b: the same for the other side, of the same architecture.

    Returns:
        ``max |w_a - w_b|`` over every weight value, as a Python float.

    Raises:
        ValueError: if the two sides have different numbers or shapes of weights.

    Example:
        >>> max_weight_difference(resumed, uninterrupted)  # doctest: +SKIP
        0.0
    """
    weights_a, weights_b = _weight_list(model_a), _weight_list(model_b)
    if len(weights_a) != len(weights_b):
        raise ValueError(
            "Expected models with the same number of weights. "
            f"Received: {len(weights_a)} and {len(weights_b)} weights"
        )
    largest = 0.0
    for i, (wa, wb) in enumerate(zip(weights_a, weights_b, strict=True)):
        a, b = _numpy(wa), _numpy(wb)
        if a.shape != b.shape:
            raise ValueError(
                "Expected weights of the same shapes. Received: "
                f"{getattr(wa, 'path', f'weight {i}')} of shape {a.shape} and "
                f"{getattr(wb, 'path', f'weight {i}')} of shape {b.shape}"
            )
        if a.size:
            largest = max(largest, float(np.max(np.abs(a.astype(np.float64) - b))))
    return largest


def _weight_list(model_or_weights) -> list:
    weights = getattr(model_or_weights, "weights", model_or_weights)
    return list(weights)


def load_weights_atomically(model, filepath) -> None:
    """``model.load_weights(filepath)``, all or nothing.

    Keras loads a weights file layer by layer, so a file written for a
    different architecture can fail half-way, after the first layers were
    already overwritten. This function copies every weight (the model's and
    its optimizer's) first and puts them all back if loading raises, then
    re-raises the error.

    Args:
        model: a built Keras model.
        filepath: a ``.weights.h5`` or ``.keras`` file.

    Raises:
        ValueError: if ``model`` is not built.
        Exception: whatever ``model.load_weights`` raised; the model's weights
            are then exactly those it had before the call.

    Example:
        >>> load_weights_atomically(model, "_scratch/mlp.weights.h5")  # doctest: +SKIP
    """
    if not getattr(model, "built", False):
        raise ValueError(
            "Expected a built model, so that it has weights to restore on failure. "
            f"Received: model {model.name!r} with built=False"
        )
    variables = list(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        variables += list(optimizer.variables)
    saved = [_numpy(v).copy() for v in variables]
    try:
        model.load_weights(filepath)
    except BaseException:
        for variable, value in zip(variables, saved, strict=True):
            variable.assign(value)
        raise
