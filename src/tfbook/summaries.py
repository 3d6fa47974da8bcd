"""Draw a sequential model's data flow: its layers, shapes and parameter counts.

Plotting plumbing for the chapter on containers. What a reader counts and
lists by hand, a layer's parameters and weights, is taught in the chapter on
layers and lives in :mod:`tfbook.chapters.layers` (``dense_params``,
``weights_table``).

Example:
    >>> import keras
    >>> from tfbook.summaries import layer_rows
    >>> model = keras.Sequential([keras.layers.Dense(3, name="d"), keras.layers.ReLU(name="r")])
    >>> model.build((4, 2))
    >>> [(r.name, r.output_shape, r.trainable) for r in layer_rows(model)]
    [('d', (4, 3), 9), ('r', (4, 3), 0)]
"""

from __future__ import annotations

from math import prod
from typing import NamedTuple


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
