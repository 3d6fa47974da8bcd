"""Tests of tfbook.augment: seeded flips, rotations, crops and the augmenting pipeline."""

import math

import numpy as np
import pytest

import tfbook

tfbook.configure(seed=0, show_versions=False)

import tensorflow as tf  # noqa: E402

from tfbook import augment  # noqa: E402


def _batch(n=4, size=6):
    return np.arange(n * size * size, dtype="float32").reshape(n, size, size, 1) / (n * size * size)


def test_random_flip_keeps_shape_and_dtype():
    out = augment.random_flip(_batch(), seed=(1, 2))
    assert out.shape == (4, 6, 6, 1) and out.dtype == tf.float32


def test_random_flip_gives_each_image_itself_or_its_mirror():
    x = _batch(n=16)
    out = augment.random_flip(x, seed=(1, 2)).numpy()
    flipped = [np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x, strict=True)]
    same = [np.array_equal(o, xi) for o, xi in zip(out, x, strict=True)]
    assert all(f or s for f, s in zip(flipped, same, strict=True))
    assert any(flipped) and any(same)


def test_random_flip_vertical_mirrors_rows():
    x = _batch(n=16)
    out = augment.random_flip(x, seed=(3, 4), mode="vertical").numpy()
    pairs = zip(out, x, strict=True)
    assert all(np.array_equal(o, xi) or np.array_equal(o, xi[::-1]) for o, xi in pairs)


def test_random_flip_same_seed_same_output():
    x = _batch(n=16)
    a = augment.random_flip(x, seed=(5, 6), mode="horizontal_and_vertical")
    b = augment.random_flip(x, seed=(5, 6), mode="horizontal_and_vertical")
    np.testing.assert_array_equal(a, b)


def test_random_flip_rejects_bad_mode():
    with pytest.raises(ValueError, match=r"`mode`.*Received: mode='diagonal'"):
        augment.random_flip(_batch(), seed=(1, 2), mode="diagonal")


def test_random_flip_rejects_bad_seed():
    with pytest.raises(ValueError, match=r"`seed`.*Received: seed=3"):
        augment.random_flip(_batch(), seed=3)


def test_random_flip_rejects_seed_of_three_integers():
    with pytest.raises(ValueError, match=r"`seed`.*Received: seed=\(1, 2, 3\)"):
        augment.random_flip(_batch(), seed=(1, 2, 3))


def test_images_must_be_four_dimensional():
    with pytest.raises(ValueError, match=r"images.shape=\(6, 6\)"):
        augment.random_flip(np.zeros((6, 6), "float32"), seed=(1, 2))


def test_images_must_be_floats():
    with pytest.raises(ValueError, match=r"images.dtype=uint8"):
        augment.random_crop(np.zeros((1, 6, 6, 1), "uint8"), padding=1, seed=(1, 2))


def test_random_rotation_keeps_shape_and_is_seeded():
    x = _batch()
    a = augment.random_rotation(x, max_degrees=30, seed=(1, 2))
    b = augment.random_rotation(x, max_degrees=30, seed=(1, 2))
    c = augment.random_rotation(x, max_degrees=30, seed=(1, 3))
    assert a.shape == x.shape
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_random_rotation_by_tiny_angle_is_nearly_identity():
    x = _batch()
    out = augment.random_rotation(x, max_degrees=1e-6, seed=(1, 2)).numpy()
    np.testing.assert_allclose(out, x, atol=1e-4)


def test_random_rotation_of_constant_image_keeps_centre():
    x = np.ones((2, 9, 9, 1), "float32")
    out = augment.random_rotation(x, max_degrees=45, seed=(1, 2)).numpy()
    np.testing.assert_allclose(out[:, 4, 4, 0], 1.0, atol=1e-5)


def test_random_rotation_rejects_bad_angle():
    with pytest.raises(ValueError, match=r"`max_degrees`.*Received: max_degrees=0"):
        augment.random_rotation(_batch(), max_degrees=0, seed=(1, 2))


def test_random_crop_is_a_shift_within_padding():
    x = np.zeros((8, 7, 7, 1), "float32")
    x[:, 3, 3, 0] = 1.0  # one bright pixel in the centre
    out = augment.random_crop(x, padding=2, seed=(1, 2)).numpy()
    assert out.shape == x.shape
    for image in out:
        (r,), (c,) = np.nonzero(image[..., 0] == 1.0)
        assert abs(r - 3) <= 2 and abs(c - 3) <= 2
        assert image.sum() == 1.0


def test_random_crop_rejects_bad_padding():
    with pytest.raises(ValueError, match=r"`padding`.*Received: padding=-1"):
        augment.random_crop(_batch(), padding=-1, seed=(1, 2))


def test_functions_accept_a_seed_tensor():
    out = augment.random_crop(_batch(), padding=1, seed=tf.constant([1, 2], tf.int64))
    assert out.shape == (4, 6, 6, 1)


def _arrays(n=10):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n) % 10


def test_augmented_dataset_yields_flat_float_batches():
    x, y = _arrays()
    ds = augment.augmented_dataset(x, y, lambda im, s: augment.random_flip(im, s), batch_size=4)
    xb, yb = next(iter(ds))
    assert xb.shape == (4, 784) and xb.dtype == tf.float32 and yb.dtype == tf.int32
    assert 0.0 <= float(tf.reduce_min(xb)) and float(tf.reduce_max(xb)) <= 1.0


def test_augmented_dataset_keeps_images_unflattened_on_request():
    x, y = _arrays()
    ds = augment.augmented_dataset(x, y, lambda im, s: im, batch_size=10, flatten=False)
    xb, _ = next(iter(ds))
    assert xb.shape == (10, 28, 28, 1)


def test_augmented_dataset_is_reproducible():
    x, y = _arrays()

    def first_batch():
        ds = augment.augmented_dataset(x, y, lambda im, s: augment.random_crop(im, 2, s),
                                       batch_size=5, seed=3)
        return next(iter(ds))[0].numpy()

    np.testing.assert_array_equal(first_batch(), first_batch())


def test_augmented_dataset_draws_new_seeds_each_epoch():
    x, y = _arrays(4)
    x[:] = x[0]  # four identical images: only the augmentation differs
    ds = augment.augmented_dataset(x, y, lambda im, s: augment.random_crop(im, 3, s),
                                   batch_size=4, seed=3)
    epoch1 = next(iter(ds))[0].numpy()
    epoch2 = next(iter(ds))[0].numpy()
    assert not np.array_equal(np.sort(epoch1, axis=0), np.sort(epoch2, axis=0))


def test_augmented_dataset_rejects_non_callable():
    x, y = _arrays()
    with pytest.raises(ValueError, match=r"`augment`.*Received: augment of type str"):
        augment.augmented_dataset(x, y, "flip")


def test_augmented_dataset_rejects_float_images():
    x, y = _arrays()
    with pytest.raises(ValueError, match=r"images.dtype=float32"):
        augment.augmented_dataset(x.astype("float32"), y, lambda im, s: im)


def test_augmented_dataset_rejects_label_count():
    x, y = _arrays()
    with pytest.raises(ValueError, match=r"labels.shape=\(9,\)"):
        augment.augmented_dataset(x, y[:9], lambda im, s: im)


def test_augmented_dataset_rejects_bad_batch_size():
    x, y = _arrays()
    with pytest.raises(ValueError, match=r"`batch_size`.*Received: batch_size=0"):
        augment.augmented_dataset(x, y, lambda im, s: im, batch_size=0)


@pytest.mark.parametrize("degrees", [12.0, -30.0])
def test_rotate_matches_keras_random_rotation_at_that_angle(degrees):
    import keras

    x = tf.random.stateless_uniform((4, 28, 28, 1), seed=(1, 2))
    factor = degrees / 360  # RandomRotation's factor is a fraction of a full turn
    layer = keras.layers.RandomRotation((factor, factor), fill_mode="constant", seed=1)
    ours = augment.rotate(x, tf.fill((4,), degrees * math.pi / 180))
    assert np.array_equal(ours.numpy(), layer(x, training=True).numpy())


def test_keras_random_rotation_is_stateful_but_ours_is_not():
    import keras

    x = tf.random.stateless_uniform((4, 28, 28, 1), seed=(1, 2))
    layer = keras.layers.RandomRotation(0.1, fill_mode="constant", seed=3)
    assert not np.array_equal(layer(x, training=True), layer(x, training=True))
    assert np.array_equal(
        augment.random_rotation(x, 36, seed=(5, 6)), augment.random_rotation(x, 36, seed=(5, 6))
    )


def test_rotate_rejects_one_angle_for_many_images():
    x = tf.zeros((4, 28, 28, 1))
    with pytest.raises(ValueError, match=r"Received: radians.shape=\(2,\)"):
        augment.rotate(x, tf.zeros((2,)))


def test_random_flip_horizontal_is_tf_image_with_the_same_seed():
    # The chapter writes the flip out as this one tf.image call.
    x = _batch()
    seed = tf.constant([7, 8], tf.int64)
    expected = tf.image.stateless_random_flip_left_right(x, seed=seed)
    assert np.array_equal(augment.random_flip(x, seed), expected)
    expected = tf.image.stateless_random_flip_up_down(x, seed=seed)
    assert np.array_equal(augment.random_flip(x, seed, mode="vertical"), expected)


def test_keras_random_crop_one_window_per_batch_and_none_at_inference():
    # Why random_crop exists (module docstring); fails if Keras changes either fact.
    import keras

    x = tf.random.stateless_uniform((4, 28, 28, 1), seed=(1, 2)).numpy()
    layer = keras.layers.RandomCrop(22, 22, seed=5)
    assert np.array_equal(layer(x, training=False), x)
    crops = layer(x, training=True).numpy()
    windows = [
        {
            (r, c)
            for r in range(7)
            for c in range(7)
            if np.array_equal(x[i, r : r + 22, c : c + 22], crops[i])
        }
        for i in range(4)
    ]
    assert all(w == windows[0] and len(w) == 1 for w in windows)
