"""Data augmentation with ``tf.image``: seeded random flips, rotations and crops.

The chapter "Overfitting" writes these functions out with ``tf.image`` and
``keras.ops.image.affine_transform`` and checks that this module gives the same
images for the same seed; here they gain argument checks.

Every function takes a batch of images of shape ``(n, height, width, channels)``
and a seed of two integers, and draws one random transformation *per image*
with TensorFlow's stateless random ops: the same seed always gives the same
output. :func:`augmented_dataset` feeds such a function a fresh seed for every
batch of every epoch, drawn by ``tf.data.Dataset.random``.

Why not the Keras preprocessing layers (``keras.layers.RandomFlip``,
``RandomRotation``, ``RandomCrop`` ...)? Two reasons. They draw from a seed
generator that each call advances, so the augmentation of a batch depends on
how many calls came before it; here the seed of batch k of epoch e is a value
of the pipeline, the same however the program got there. And ``RandomCrop``
draws one window for the whole batch and, on Keras 3.15, returns its input
uncropped when ``training=False``, so its output shape changes between
training and inference; :func:`random_crop` pads and crops back, a shift of
each image by its own offset that keeps the shape. The geometry is otherwise
the same: :func:`rotate` by an angle gives what ``RandomRotation`` gives for
that angle (``tests/test_augment.py`` compares them).
"""

from __future__ import annotations

import math

import numpy as np

from tfbook._checks import check_int, check_real

#: Flip modes, named as in ``keras.layers.RandomFlip``.
FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _as_images(images):
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(
            "Expected `images` of shape (n, height, width, channels). "
            f"Received: images.shape={tuple(images.shape)}"
        )
    if not images.dtype.is_floating:
        raise ValueError(
            "Expected floating-point `images` (scale uint8 pixels first). "
            f"Received: images.dtype={images.dtype.name}"
        )
    return images


def _as_seed(seed):
    import tensorflow as tf

    if isinstance(seed, (tuple, list, np.ndarray)):
        values = list(np.asarray(seed).ravel()) if isinstance(seed, np.ndarray) else list(seed)
        if len(values) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
        ):
            raise ValueError(
                "Received an invalid value for `seed`, expected two integers, e.g. (1, 2). "
                f"Received: seed={seed!r}"
            )
        return tf.constant([int(v) for v in values], dtype=tf.int64)
    if not tf.is_tensor(seed):
        raise ValueError(
            "Received an invalid value for `seed`, expected two integers, e.g. (1, 2). "
            f"Received: seed={seed!r}"
        )
    if seed.shape.rank != 1 or seed.shape[0] != 2 or not seed.dtype.is_integer:
        raise ValueError(
            "Received an invalid value for `seed`, expected a tensor of two integers. "
            f"Received: seed with shape {tuple(seed.shape)} and dtype {seed.dtype.name}"
        )
    return seed


def random_flip(images, seed, mode: str = "horizontal"):
    """Flip each image of a batch with probability 1/2.

    With ``mode="horizontal"`` this is
    ``tf.image.stateless_random_flip_left_right(images, seed=seed)``, as
    written out in the chapter "Overfitting"; ``"vertical"`` likewise with
    ``stateless_random_flip_up_down``.

    Args:
        images: float tensor of shape ``(n, height, width, channels)``.
        seed: two integers (a tuple or an int tensor of shape ``(2,)``).
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
            ``"horizontal_and_vertical"`` (each decided independently).

    Returns:
        A tensor of the shape and dtype of ``images``.

    Raises:
        ValueError: on a bad ``images``, ``seed`` or ``mode``.

    Example:
        >>> import tensorflow as tf
        >>> x = tf.random.uniform((8, 28, 28, 1))
        >>> random_flip(x, seed=(1, 2)).shape
        TensorShape([8, 28, 28, 1])
    """
    import tensorflow as tf

    if mode not in FLIP_MODES:
        raise ValueError(
            f"Received an invalid value for `mode`, expected one of {FLIP_MODES}. "
            f"Received: mode={mode!r}"
        )
    images = _as_images(images)
    seed = _as_seed(seed)
    if mode == "horizontal":
        return tf.image.stateless_random_flip_left_right(images, seed=seed)
    if mode == "vertical":
        return tf.image.stateless_random_flip_up_down(images, seed=seed)
    # Two independent decisions need two seeds.
    seeds = tf.random.experimental.stateless_split(seed, num=2)
    images = tf.image.stateless_random_flip_left_right(images, seed=seeds[0])
    return tf.image.stateless_random_flip_up_down(images, seed=seeds[1])


def random_rotation(images, max_degrees: float, seed, fill_value: float = 0.0):
    """Rotate each image about its centre by an angle drawn from ``[-max_degrees, max_degrees]``.

    ``tf.image`` itself only rotates by multiples of 90 degrees
    (``tf.image.rot90``); a free angle is an affine transform (:func:`rotate`).

    Args:
        images: float tensor of shape ``(n, height, width, channels)``.
        max_degrees: largest rotation, a number in ``(0, 180]``.
        seed: two integers (a tuple or an int tensor of shape ``(2,)``).
        fill_value: value of the corners that rotate in from outside.

    Returns:
        A tensor of the shape and dtype of ``images``.

    Raises:
        ValueError: on a bad ``images``, ``seed`` or ``max_degrees``.

    Example:
        >>> import tensorflow as tf
        >>> x = tf.random.uniform((8, 28, 28, 1))
        >>> random_rotation(x, max_degrees=15, seed=(1, 2)).shape
        TensorShape([8, 28, 28, 1])
    """
    import tensorflow as tf

    max_degrees = check_real("max_degrees", max_degrees, "(0, 180]")
    images = _as_images(images)
    limit = max_degrees * math.pi / 180
    angles = tf.random.stateless_uniform(
        (tf.shape(images)[0],), seed=_as_seed(seed), minval=-limit, maxval=limit
    )
    return rotate(images, angles, fill_value=fill_value)


def rotate(images, radians, fill_value: float = 0.0):
    """Rotate each image about its centre by its angle (counter-clockwise, radians).

    The transform of ``keras.layers.RandomRotation`` for that angle, applied
    with ``keras.ops.image.affine_transform`` (bilinear interpolation).

    Args:
        images: float tensor of shape ``(n, height, width, channels)``.
        radians: float tensor of shape ``(n,)``, one angle per image.
        fill_value: value of the corners that rotate in from outside.

    Returns:
        A tensor of the shape and dtype of ``images``.
    """
    import keras
    import tensorflow as tf

    images = _as_images(images)
    angles = tf.convert_to_tensor(radians, dtype=tf.float32)
    if angles.shape.rank != 1 or angles.shape[0] not in (None, images.shape[0]):
        raise ValueError(
            f"Expected `radians` of shape ({images.shape[0]},), one angle per image. "
            f"Received: radians.shape={tuple(angles.shape)}"
        )
    height = tf.cast(tf.shape(images)[1], tf.float32)
    width = tf.cast(tf.shape(images)[2], tf.float32)
    cos, sin = tf.cos(angles), tf.sin(angles)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    zeros = tf.zeros_like(angles)
    # Each row maps an output pixel (x, y) back to the input pixel it reads.
    transform = tf.stack(
        [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros],
        axis=1,
    )
    out = keras.ops.image.affine_transform(
        images, transform, interpolation="bilinear", fill_mode="constant",
        fill_value=fill_value, data_format="channels_last",
    )
    return tf.cast(out, images.dtype)


def random_crop(images, padding: int, seed):
    """Pad each image by ``padding`` zero pixels, then crop it back at a random offset.

    This is ``tf.image.stateless_random_crop`` done per image: each image moves
    by up to ``padding`` pixels in each direction, and keeps its size.

    Args:
        images: float tensor of shape ``(n, height, width, channels)``.
        padding: largest shift in pixels, a positive integer.
        seed: two integers (a tuple or an int tensor of shape ``(2,)``).

    Returns:
        A tensor of the shape and dtype of ``images``.

    Raises:
        ValueError: on a bad ``images``, ``seed`` or ``padding``.

    Example:
        >>> import tensorflow as tf
        >>> x = tf.random.uniform((8, 28, 28, 1))
        >>> random_crop(x, padding=2, seed=(1, 2)).shape
        TensorShape([8, 28, 28, 1])
    """
    import tensorflow as tf

    check_int("padding", padding)
    images = _as_images(images)
    shape = tf.shape(images)
    n, height, width = shape[0], shape[1], shape[2]
    padded = tf.pad(images, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
    offsets = tf.random.stateless_uniform(
        (n, 2), seed=_as_seed(seed), minval=0, maxval=2 * padding + 1, dtype=tf.int32
    )
    rows = offsets[:, :1] + tf.range(height)[tf.newaxis, :]  # (n, height)
    cols = offsets[:, 1:] + tf.range(width)[tf.newaxis, :]  # (n, width)
    out = tf.gather(padded, rows, axis=1, batch_dims=1)  # (n, height, width + 2p, c)
    return tf.gather(out, cols, axis=2, batch_dims=1)


def augmented_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    augment,
    batch_size: int = 128,
    seed: int = 42,
    flatten: bool = True,
):
    """A shuffled training pipeline that augments every batch with fresh seeds.

    Like :func:`tfbook.chapters.training.make_dataset` with ``shuffle=True``, plus one
    step: each batch, scaled to float32 in ``[0, 1]`` with shape
    ``(batch, 28, 28, 1)``, goes through ``augment(images, seed)``, where
    ``seed`` is a different pair of integers for every batch of every epoch
    (drawn from ``tf.data.Dataset.random(seed)``, so a run is reproducible).

    Args:
        images: uint8 array of shape ``(n, 28, 28)``.
        labels: integer array of shape ``(n,)``.
        augment: a function ``(images, seed) -> images`` such as
            ``lambda x, s: random_flip(x, s)``.
        batch_size: images per batch (a positive integer).
        seed: seed of the shuffle and of the augmentation seeds.
        flatten: feed 784-vectors (for an MLP) instead of ``(28, 28, 1)`` images.

    Returns:
        A ``tf.data.Dataset`` of ``(x, y)`` batches, ``y`` int32.

    Raises:
        ValueError: if ``augment`` is not callable, or on arrays of the wrong
            shape or dtype, or a bad ``batch_size`` or ``seed``.

    Example:
        >>> ds = augmented_dataset(x, y, lambda x, s: random_flip(x, s))  # doctest: +SKIP
    """
    import tensorflow as tf

    if not callable(augment):
        raise ValueError(
            "Received an invalid value for `augment`, expected a function "
            f"(images, seed) -> images. Received: augment of type {type(augment).__name__}"
        )
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            "Expected uint8 `images` of shape (n, 28, 28). "
            f"Received: images.shape={images.shape}, images.dtype={images.dtype}"
        )
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Expected integer `labels` of shape ({len(images)},), one per image. "
            f"Received: labels.shape={labels.shape}, labels.dtype={labels.dtype}"
        )
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    seeds = seeds.batch(2, drop_remainder=True)
    ds = tf.data.Dataset.zip(ds, seeds)

    def step(batch, s):
        x, y = batch
        x = tf.cast(x, tf.float32)[..., tf.newaxis] / 255.0
        x = augment(x, s)
        if flatten:
            x = tf.reshape(x, (-1, 28 * 28))
        return x, tf.cast(y, tf.int32)

    ds = ds.map(step, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
