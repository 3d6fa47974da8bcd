"""``tf.data`` input pipelines for the book's image data sets."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tfbook._checks import check_int


class Datasets(NamedTuple):
    """Batched ``tf.data.Dataset`` objects for training, validation and test."""

    train: object
    val: object
    test: object


def preprocess(images, labels, flatten: bool = True, one_hot: bool = False, num_classes=10):
    """Scale uint8 images to float32 in ``[0, 1]`` and cast labels.

    Args:
        images: a uint8 tensor of shape ``(..., 28, 28)``.
        labels: an integer tensor of shape ``(...)``.
        flatten: reshape each image to a vector of 784 values.
        one_hot: return labels as one-hot float32 vectors of ``num_classes``.

    Returns:
        ``(x, y)``: float32 images of shape ``(..., 784)`` (or ``(..., 28, 28)``),
        int32 labels of shape ``(...)`` or float32 of shape ``(..., num_classes)``.
    """
    import tensorflow as tf

    x = tf.cast(images, tf.float32) / 255.0
    if flatten:
        x = tf.reshape(x, tf.concat([tf.shape(x)[:-2], [28 * 28]], axis=0))
    y = tf.cast(labels, tf.int32)
    if one_hot:
        y = tf.one_hot(y, depth=num_classes)
    return x, y


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int = 42,
    flatten: bool = True,
    one_hot: bool = False,
):
    """Build a batched, preprocessed ``tf.data.Dataset`` from arrays.

    The steps are the ones of the seed notes: ``from_tensor_slices``, then
    ``shuffle`` (training only, seeded, reshuffled every epoch), ``batch``,
    ``map(preprocess)`` on whole batches, and ``prefetch``.

    Args:
        images: uint8 array of shape ``(n, 28, 28)``.
        labels: integer array of shape ``(n,)``.
        batch_size: images per batch (a positive integer).
        shuffle: shuffle the whole set, with ``seed``, once per epoch.
        seed: shuffle seed (a non-negative integer).
        flatten: feed 784-vectors (for an MLP) instead of 28x28 images.
        one_hot: one-hot labels (for ``CategoricalCrossentropy``).

    Returns:
        A ``tf.data.Dataset`` of ``(x, y)`` batches.

    Raises:
        ValueError: on arrays of the wrong shape or dtype, or a bad size.

    Example:
        >>> ds = make_dataset(x_train, y_train, batch_size=32, shuffle=True)  # doctest: +SKIP
        >>> x, y = next(iter(ds))  # x: (32, 784) float32, y: (32,) int32
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(
            "Expected `images` of shape (n, 28, 28). "
            f"Received: images.shape={images.shape}"
        )
    if images.dtype != np.uint8:
        raise ValueError(
            f"Expected `images` of dtype uint8. Received: images.dtype={images.dtype}"
        )
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"Expected `labels` of shape ({images.shape[0]},), one per image. "
            f"Received: labels.shape={labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Expected integer `labels`. Received: labels.dtype={labels.dtype}"
        )
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)

    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(
        lambda x, y: preprocess(x, y, flatten=flatten, one_hot=one_hot),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return ds.prefetch(tf.data.AUTOTUNE)


def fashion_mnist_datasets(
    batch_size: int = 128,
    val_size: int = 5000,
    flatten: bool = True,
    one_hot: bool = False,
    seed: int = 42,
) -> Datasets:
    """Fashion-MNIST as train / validation / test ``tf.data`` pipelines.

    The 60,000 training images are split once, with ``seed``, into
    ``60000 - val_size`` for training and ``val_size`` for validation; the
    10,000 test images are kept apart for the final number.

    Args:
        batch_size: images per batch.
        val_size: images held out of the training set for validation
            (an integer from 1 to 59,999).
        flatten: feed 784-vectors instead of 28x28 images.
        one_hot: one-hot labels instead of integers.
        seed: seed of the split and of the training shuffle.

    Returns:
        :class:`Datasets` with ``train`` (shuffled each epoch), ``val`` and ``test``.
    """
    from tfbook.data import load_fashion_mnist

    check_int("val_size", val_size)
    if val_size >= 60000:
        raise ValueError(
            "Received an invalid value for `val_size`, expected fewer than 60000 images. "
            f"Received: val_size={val_size}"
        )
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    order = np.random.default_rng(seed).permutation(len(x_train))
    val_idx, train_idx = order[:val_size], order[val_size:]
    common = {"batch_size": batch_size, "flatten": flatten, "one_hot": one_hot, "seed": seed}
    return Datasets(
        train=make_dataset(x_train[train_idx], y_train[train_idx], shuffle=True, **common),
        val=make_dataset(x_train[val_idx], y_train[val_idx], **common),
        test=make_dataset(x_test, y_test, **common),
    )
