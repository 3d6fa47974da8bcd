"""Look inside layers and models: their weights, parameter counts and data flow.

The chapters on layers and containers explain where a layer's weights come
from; these helpers print and draw what they explained, so later chapters can
show a model's weights in one line.

Example:
    >>> import keras
    >>> from tfbook.summaries import dense_params, weights_table
    >>> dense_params(4, 3)
    15
    >>> layer = keras.layers.Dense(3, name="hidden")
    >>> layer.build((None, 4))
    >>> print(weights_table(layer))  # doctest: +NORMALIZE_WHITESPACE
    path           shape   trainable  count
    hidden/kernel  (4, 3)  True          12
    hidden/bias    (3,)    True           3
    total                                15
"""

from __future__ import annotations

from math import prod
from typing import NamedTuple

from tfbook._checks import check_int
from tfbook.tables import format_table


class WeightRow(NamedTuple):
    """One weight of a layer: where it lives, its shape and size."""

    path: str
    """The variable's unique path, e.g. ``"sequential/dense/kernel"``."""
    shape: tuple
    """Its shape, e.g. ``(4, 3)``."""
    trainable: bool
    """Whether an optimizer updates it (it is in ``trainable_weights``)."""
    count: int
    """Number of scalars it holds, the product of ``shape``."""


class LayerRow(NamedTuple):
    """One layer of a model, as ``summary()`` shows it."""

    name: str
    class_name: str
    output_shape: tuple
    trainable: int
    """Scalars in the layer's trainable weights."""
    non_trainable: int
    """Scalars in its non-trainable weights (e.g. BatchNormalization's moving statistics)."""


def _check_built_layer(layer) -> None:
    import keras

    if not isinstance(layer, keras.layers.Layer):
        raise ValueError(
            "Received an invalid value for `layer`, expected a Keras layer or model. "
            f"Received: layer of type {type(layer).__name__}"
        )
    if not layer.built:
        raise ValueError(
            f"Received an unbuilt layer: `layer` '{layer.name}' has no weights yet. Call it on "
            "data or call `layer.build(input_shape)` first."
        )


def dense_params(input_dim: int, units: int, use_bias: bool = True) -> int:
    """Count a Dense layer's parameters by hand: kernel plus bias.

    A ``Dense(units)`` layer fed vectors of length ``input_dim`` holds a kernel
    of shape ``(input_dim, units)`` and, with ``use_bias``, a bias of shape
    ``(units,)``: ``input_dim * units + units`` scalars.

    Args:
        input_dim: length of the input vectors (the last axis of the input).
        units: number of outputs of the layer.
        use_bias: whether the layer adds a bias vector.

    Returns:
        The number of scalars, an ``int``.

    Raises:
        ValueError: if ``input_dim`` or ``units`` is not a positive integer.

    Example:
        >>> dense_params(784, 256)
        200960
    """
    check_int("input_dim", input_dim)
    check_int("units", units)
    return input_dim * units + (units if use_bias else 0)


def weight_rows(layer) -> list[WeightRow]:
    """List the weights of a built layer or model, trainable ones first.

    The order is that of ``layer.weights``: for a model, layer by layer.

    Args:
        layer: a built ``keras.layers.Layer`` (a ``keras.Model`` is one too).

    Returns:
        One :class:`WeightRow` per variable.

    Raises:
        ValueError: if ``layer`` is not a Keras layer or is not built yet.

    Example:
        >>> layer = keras.layers.Dense(2, name="out")  # doctest: +SKIP
        >>> layer.build((None, 3))  # doctest: +SKIP
        >>> [(r.path, r.shape, r.count) for r in weight_rows(layer)]  # doctest: +SKIP
        [('out/kernel', (3, 2), 6), ('out/bias', (2,), 2)]
    """
    _check_built_layer(layer)
    return [
        WeightRow(
            path=v.path,
            shape=tuple(int(d) for d in v.shape),
            trainable=bool(v.trainable),
            count=prod(int(d) for d in v.shape),
        )
        for v in layer.weights
    ]


def weights_table(layer) -> str:
    """Format :func:`weight_rows` as an aligned text table with a total line.

    Args:
        layer: a built Keras layer or model.

    Returns:
        The table as one string (print it).

    Raises:
        ValueError: as :func:`weight_rows`.
    """
    rows = weight_rows(layer)
    table = [
        {"path": r.path, "shape": str(r.shape), "trainable": str(r.trainable), "count": r.count}
        for r in rows
    ]
    table.append({"path": "total", "count": sum(r.count for r in rows)})
    return format_table(table, columns=["path", "shape", "trainable", "count"], rule=False)


def layer_rows(model, input_shape=None) -> list[LayerRow]:
    """List a built model's layers with output shapes and parameter counts.

    Output shapes are computed layer by layer with ``compute_output_shape``,
    starting from ``input_shape`` (by default the model's own input shape).

    Args:
        model: a built ``keras.Sequential`` (any model whose ``layers`` run in order).
        input_shape: shape of the model's input, batch axis included, e.g. ``(4, 3)``.

    Returns:
        One :class:`LayerRow` per layer in ``model.layers``.

    Raises:
        ValueError: if ``model`` is not a built Keras layer.

    Example:
        >>> [r.trainable for r in layer_rows(model)]  # doctest: +SKIP
        [15, 0, 12, 0]
    """
    _check_built_layer(model)
    shape = tuple(input_shape) if input_shape is not None else tuple(model.input_shape)
    rows = []
    for layer in model.layers:
        shape = tuple(layer.compute_output_shape(shape))
        rows.append(
            LayerRow(
                name=layer.name,
                class_name=type(layer).__name__,
                output_shape=shape,
                trainable=sum(prod(v.shape) for v in layer.trainable_weights),
                non_trainable=sum(prod(v.shape) for v in layer.non_trainable_weights),
            )
        )
    return rows


def plot_sequential(model, input_shape=None, title=None):
    """Draw a sequential model as a column of boxes: data flows top to bottom.

    Each box is a layer (name, class, parameter count; trainable layers in
    blue); the arrow below it carries the shape of the tensor it outputs.
    Non-trainable parameters are shown separately when a layer has any.

    Args:
        model: a built ``keras.Sequential``.
        input_shape: the input's shape, batch axis included (default: the model's).
        title: an optional title.

    Returns:
        The matplotlib ``Figure``, 4.4 inches wide and 0.85 inches per layer.

    Raises:
        ValueError: as :func:`layer_rows`.

    Example:
        >>> fig = plot_sequential(model, input_shape=(4, 3))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    rows = layer_rows(model, input_shape)
    start = tuple(input_shape) if input_shape is not None else tuple(model.input_shape)
    step, box_h, width = 0.85, 0.5, 4.4  # inches: box pitch, box height, figure width
    top = 0.35 if title else 0.0
    height = top + 0.45 + step * len(rows) + 0.1
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.axis("off")
    x0, x1 = 0.5, 3.9  # box edges
    mid = (x0 + x1) / 2

    def arrow(y0, y1, label):
        ax.annotate("", xy=(mid, y1), xytext=(mid, y0),
                    arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.2})
        ax.text(mid + 0.12, (y0 + y1) / 2, label, ha="left", va="center", fontsize=8,
                color="0.2")

    y = -top - 0.12
    ax.text(mid, y, "input", ha="center", va="center", fontsize=9, style="italic")
    for row in rows:
        box_top = y - (step - box_h) + 0.05
        arrow(y - 0.1, box_top, str(start))
        trainable = row.trainable > 0
        ax.add_patch(FancyBboxPatch(
            (x0, box_top - box_h), x1 - x0, box_h, boxstyle="round,pad=0.02",
            facecolor="#cfe2f3" if trainable else "#eeeeee",
            edgecolor="#3d6f99" if trainable else "0.5"))
        params = f"{row.trainable + row.non_trainable} params"
        if row.non_trainable:
            params += f" ({row.non_trainable} non-trainable)"
        ax.text(mid, box_top - 0.17, f"{row.name} ({row.class_name})", ha="center",
                va="center", fontsize=8.5, weight="bold")
        ax.text(mid, box_top - 0.36, params, ha="center", va="center", fontsize=8)
        y = box_top - box_h
        start = row.output_shape
    arrow(y - 0.02, y - 0.3, str(start))
    if title:
        ax.text(width / 2, -0.18, title, ha="center", va="center", fontsize=10)
    return fig
