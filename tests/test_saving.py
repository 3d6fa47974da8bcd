"""Tests of tfbook.saving."""

import numpy as np
import pytest

import tfbook

tfbook.configure(seed=0, show_versions=False)

import keras  # noqa: E402

from tfbook.saving import (  # noqa: E402
    archive_members,
    load_weights_atomically,
    max_prediction_difference,
    max_weight_difference,
)


def tiny(hidden=3, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(hidden, name="a"), keras.layers.Dense(2, name="b")]
    )


X = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")


def test_archive_members_lists_the_three_parts(tmp_path):
    path = tmp_path / "m.keras"
    tiny().save(path)
    assert archive_members(path) == ["metadata.json", "config.json", "model.weights.h5"]


def test_archive_members_rejects_other_extension(tmp_path):
    with pytest.raises(ValueError, match=r"`filepath`.*Received: filepath='x.h5'"):
        archive_members("x.h5")


def test_archive_members_rejects_missing_file(tmp_path):
    path = tmp_path / "missing.keras"
    with pytest.raises(ValueError, match=r"existing file.*missing.keras"):
        archive_members(path)


def test_archive_members_rejects_damaged_file(tmp_path):
    path = tmp_path / "bad.keras"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"zip archive.*bad.keras"):
        archive_members(path)


def test_prediction_difference_zero_for_same_model():
    model = tiny()
    assert max_prediction_difference(model, model, X) == 0.0


def test_prediction_difference_positive_for_other_weights():
    assert max_prediction_difference(tiny(seed=0), tiny(seed=1), X) > 0.0


def test_prediction_difference_accepts_a_callable_and_a_dataset():
    import tensorflow as tf

    model = tiny()
    ds = tf.data.Dataset.from_tensor_slices((X, np.zeros(6))).batch(4)
    assert max_prediction_difference(model, lambda x: model(x), ds) == 0.0


def test_prediction_difference_rejects_shape_mismatch():
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])
    with pytest.raises(ValueError, match=r"Received: shapes \(6, 2\) and \(6, 5\)"):
        max_prediction_difference(tiny(), other, X)


def test_prediction_difference_rejects_non_callable():
    with pytest.raises(ValueError, match=r"Received: model of type int"):
        max_prediction_difference(tiny(), 3, X)


def test_prediction_difference_rejects_bad_batch_size():
    model = tiny()
    with pytest.raises(ValueError, match=r"`batch_size`.*Received: batch_size=0"):
        max_prediction_difference(model, model, X, batch_size=0)


def test_prediction_difference_same_batches_for_both_models():
    model = tiny()
    assert max_prediction_difference(model, lambda x: model(x), X, batch_size=4) == 0.0


def test_weight_difference():
    assert max_weight_difference(tiny(seed=0), tiny(seed=0)) == 0.0
    assert max_weight_difference(tiny(seed=0), tiny(seed=1)) > 0.0


def test_weight_difference_rejects_other_architecture():
    with pytest.raises(ValueError, match=r"Received: \S*a/kernel of shape \(4, 3\)"):
        max_weight_difference(tiny(hidden=3), tiny(hidden=5))


def test_load_weights_atomically_loads(tmp_path):
    path = tmp_path / "m.weights.h5"
    source = tiny(seed=0)
    source.save_weights(path)
    target = tiny(seed=1)
    load_weights_atomically(target, path)
    assert max_weight_difference(source, target) == 0.0


def test_load_weights_atomically_restores_on_failure(tmp_path):
    path = tmp_path / "m.weights.h5"
    tiny(hidden=3).save_weights(path)
    # Same first layer width, different second layer: plain load_weights
    # would overwrite "a" before failing on "b".
    target = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(7, name="b")]
    )
    before = [w.numpy().copy() for w in target.weights]
    with pytest.raises(ValueError):
        load_weights_atomically(target, path)
    for value, weight in zip(before, target.weights, strict=True):
        np.testing.assert_array_equal(value, weight.numpy())


def test_load_weights_atomically_rejects_unbuilt_model():
    model = keras.Sequential([keras.layers.Dense(2)], name="unbuilt")
    with pytest.raises(ValueError, match=r"Received: model 'unbuilt' with built=False"):
        load_weights_atomically(model, "x.weights.h5")


def test_max_weight_difference_accepts_lists_of_arrays():
    a = [np.zeros((2, 2)), np.ones(3)]
    b = [np.zeros((2, 2)), np.array([1.0, 1.5, 1.0])]
    assert max_weight_difference(a, b) == 0.5


def test_max_weight_difference_list_shape_mismatch_names_the_weight():
    with pytest.raises(ValueError, match=r"weight 0 of shape \(2,\)"):
        max_weight_difference([np.zeros(2)], [np.zeros(3)])
