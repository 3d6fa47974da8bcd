"""Figures several chapters draw: training curves, image grids, confusion matrices."""

from __future__ import annotations

import numpy as np

from tfbook._checks import check_int


def plot_history(history, metrics=("loss", "accuracy"), title=None, marks=None):
    """Plot training curves, one panel per metric, with validation if logged.

    Args:
        history: a ``keras.callbacks.History`` or its ``.history`` dict.
        metrics: names of the metrics to plot (each must be logged).
        title: a title above the panels.
        marks: optional ``{label: epoch}`` to mark with vertical lines
            (epochs counted from 1), e.g. where early stopping restored weights.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if a metric in ``metrics`` was not logged.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise ValueError(
            "Expected `history` to be a keras History or a dict of lists. "
            f"Received: history of type {type(history).__name__}"
        )
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(
            f"Received metrics that were not logged: {missing}. "
            f"Logged: {sorted(logs)}"
        )
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes[0], metrics, strict=True):
        train = logs[name]
        ax.plot(range(1, len(train) + 1), train, marker="o", ms=3, label="training")
        val = logs.get(f"val_{name}")
        if val:
            # With validation_freq > 1 Keras logs fewer validation values: put
            # them at the epochs they were measured.
            step = len(train) // len(val)
            ax.plot(range(step, len(train) + 1, step)[: len(val)], val, marker="s", ms=3,
                    label="validation")
        for label, epoch in (marks or {}).items():
            ax.axvline(epoch, color="gray", ls="--", lw=1)
            ax.annotate(label, (epoch, ax.get_ylim()[1]), ha="right", va="top", fontsize=8,
                        rotation=90, color="gray")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_images(images, labels=None, ncols=8, cmap="gray_r", size=1.2, title=None):
    """Show images in a grid with optional captions.

    Args:
        images: array of shape ``(n, h, w)`` or ``(n, h*w)`` with square images.
        labels: ``n`` captions (strings or numbers), or ``None``.
        ncols: images per row.
        cmap: matplotlib colormap name.
        size: inches per image.
        title: a title above the grid.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: on images of another shape, or a caption count that differs.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                "Expected flat `images` of a square size (e.g. 784 = 28*28). "
                f"Received: images.shape={images.shape}"
            )
        images = images.reshape(-1, side, side)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            "Expected `images` of shape (n, h, w) with n > 0. "
            f"Received: images.shape={images.shape}"
        )
    if labels is not None and len(labels) != len(images):
        raise ValueError(
            f"Expected one caption per image ({len(images)}). Received: {len(labels)} labels"
        )
    check_int("ncols", ncols)
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images, strict=False)):
        ax.imshow(image, cmap=cmap)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes):
    """Count ``(true, predicted)`` pairs: entry ``[i, j]`` is how often class i was predicted j.

    ``tf.math.confusion_matrix`` does the counting; this checks the arguments
    first, in Keras' style, and returns a NumPy array.

    Args:
        y_true: integer labels, shape ``(n,)``.
        y_pred: integer predictions, shape ``(n,)``.
        num_classes: number of classes (a positive integer).

    Returns:
        An int64 array of shape ``(num_classes, num_classes)``.

    Example:
        >>> confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
        array([[1, 0],
               [1, 1]])
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    check_int("num_classes", num_classes)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "Expected `y_true` and `y_pred` of the same shape (n,). "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0
                         or arr.max() >= num_classes):
            raise ValueError(
                f"Expected `{name}` to hold integers from 0 to {num_classes - 1}. "
                f"Received: {name} with dtype {arr.dtype}, values in "
                f"[{arr.min()}, {arr.max()}]"
            )
    import tensorflow as tf

    return tf.math.confusion_matrix(
        y_true, y_pred, num_classes=num_classes, dtype=tf.int64
    ).numpy()


def plot_confusion_matrix(matrix, class_names, title=None):
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts.

    Returns:
        The matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    n = len(class_names)
    if matrix.shape != (n, n):
        raise ValueError(
            f"Expected `matrix` of shape ({n}, {n}) to match `class_names`. "
            f"Received: matrix.shape={matrix.shape}"
        )
    fig, ax = plt.subplots(figsize=(0.55 * n + 2.5, 0.55 * n + 1.8))
    ax.imshow(matrix, cmap="Blues")
    ax.grid(False)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if count > matrix.max() / 2 else "black")
    ax.set_xticks(range(n), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), class_names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
