"""Models that several chapters build, defined once."""

from __future__ import annotations

from tfbook._checks import check_int, check_real

#: Hidden widths of the seed notes' five-layer network (the last layer has 10 units).
FIVE_LAYER_UNITS = (256, 128, 64, 32)


def five_layer_mlp(
    num_classes: int = 10,
    input_dim: int = 28 * 28,
    hidden_units=FIVE_LAYER_UNITS,
    dropout: float = 0.0,
    kernel_regularizer=None,
    name: str = "mlp",
):
    """The notes' fully connected network: 784-256-128-64-32-10, ReLU, logits out.

    Layers are named ``dense_1`` ... ``dense_5`` (and ``dropout_k`` after hidden
    layer k when ``dropout > 0``), so ``summary()`` prints the same names
    whatever ran before in the kernel.

    Args:
        num_classes: units of the output layer (logits, no softmax).
        input_dim: length of an input vector.
        hidden_units: widths of the hidden layers.
        dropout: dropout rate after each hidden layer, in ``[0, 1)``.
        kernel_regularizer: passed to every Dense layer (e.g. ``keras.regularizers.L2(1e-4)``).
        name: the model's name.

    Returns:
        A built ``keras.Sequential`` taking ``(batch, input_dim)`` float32 inputs.

    Example:
        >>> model = five_layer_mlp()
        >>> model.count_params()
        244522
    """
    import keras

    check_int("num_classes", num_classes)
    check_int("input_dim", input_dim)
    dropout = check_real("dropout", dropout, "[0, 1)")
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(input_dim,), name="pixels"))
    for i, units in enumerate(hidden_units, start=1):
        model.add(
            keras.layers.Dense(
                units, activation="relu", kernel_regularizer=kernel_regularizer, name=f"dense_{i}"
            )
        )
        if dropout:
            model.add(keras.layers.Dropout(dropout, name=f"dropout_{i}"))
    model.add(
        keras.layers.Dense(
            num_classes, kernel_regularizer=kernel_regularizer, name=f"dense_{len(hidden_units) + 1}"
        )
    )
    return model
