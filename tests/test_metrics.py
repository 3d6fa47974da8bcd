"""Unit tests of tfbook.chapters.metrics (tiny data, runs in a few seconds)."""

import keras
import numpy as np
import pytest
from sklearn.metrics import f1_score

from tfbook.chapters.metrics import MacroF1

Y_TRUE = np.array([0, 1, 2, 2, 1, 0, 2, 1])
Y_PRED = np.array([0, 2, 2, 2, 1, 1, 0, 1])


def scores(labels, num_classes=3):
    """Logits whose argmax is ``labels``."""
    return np.eye(num_classes, dtype="float32")[labels] * 5.0 - 1.0


def reference(y_true, y_pred, num_classes=3, sample_weight=None):
    return f1_score(y_true, y_pred, labels=list(range(num_classes)), average="macro",
                    zero_division=0, sample_weight=sample_weight)


def test_docstring_example():
    f1 = MacroF1(num_classes=3)
    f1.update_state([0, 1, 2, 2], [[9, 0, 0], [0, 9, 0], [0, 9, 0], [0, 0, 9]])
    assert round(float(f1.result()), 4) == 0.7778


def test_perfect_predictions_score_one():
    f1 = MacroF1(3)
    f1.update_state(Y_TRUE, scores(Y_TRUE))
    assert float(f1.result()) == pytest.approx(1.0)


def test_matches_sklearn_macro_f1():
    f1 = MacroF1(3)
    f1.update_state(Y_TRUE, scores(Y_PRED))
    assert float(f1.result()) == pytest.approx(reference(Y_TRUE, Y_PRED), abs=1e-6)


def test_absent_class_scores_zero():
    f1 = MacroF1(4)
    f1.update_state(Y_TRUE, scores(Y_PRED, 4))
    assert float(f1.per_class()[3]) == 0.0
    assert float(f1.result()) == pytest.approx(reference(Y_TRUE, Y_PRED, 4), abs=1e-6)


def test_batches_accumulate_like_one_pass():
    f1 = MacroF1(3)
    for part in (slice(0, 3), slice(3, 8)):
        f1.update_state(Y_TRUE[part], scores(Y_PRED[part]))
    assert float(f1.result()) == pytest.approx(reference(Y_TRUE, Y_PRED), abs=1e-6)


def test_one_hot_labels_equal_integer_labels():
    a, b = MacroF1(3), MacroF1(3)
    a.update_state(Y_TRUE, scores(Y_PRED))
    b.update_state(np.eye(3)[Y_TRUE], scores(Y_PRED))
    np.testing.assert_array_equal(a.confusion.numpy(), b.confusion.numpy())


def test_column_labels_equal_flat_labels():
    a, b = MacroF1(3), MacroF1(3)
    a.update_state(Y_TRUE, scores(Y_PRED))
    b.update_state(Y_TRUE[:, None], scores(Y_PRED))
    np.testing.assert_array_equal(a.confusion.numpy(), b.confusion.numpy())


def test_confusion_state_counts_pairs():
    f1 = MacroF1(3)
    f1.update_state(Y_TRUE, scores(Y_PRED))
    expected = np.zeros((3, 3))
    np.add.at(expected, (Y_TRUE, Y_PRED), 1)
    np.testing.assert_array_equal(f1.confusion.numpy(), expected)


def test_sample_weight_matches_sklearn():
    weights = np.array([1, 2, 0, 1, 3, 1, 1, 0.5])
    f1 = MacroF1(3)
    f1.update_state(Y_TRUE, scores(Y_PRED), sample_weight=weights)
    expected = reference(Y_TRUE, Y_PRED, sample_weight=weights)
    assert float(f1.result()) == pytest.approx(expected, abs=1e-6)


def test_reset_state_zeroes_confusion():
    f1 = MacroF1(3)
    f1.update_state(Y_TRUE, scores(Y_PRED))
    f1.reset_state()
    assert float(np.abs(f1.confusion.numpy()).sum()) == 0.0
    assert float(f1.result()) == 0.0


@pytest.mark.parametrize("bad", [0, 1, -3, 2.5, True, "10", None])
def test_invalid_num_classes_raises(bad):
    with pytest.raises(ValueError, match=rf"`num_classes`.*Received: num_classes={bad!r}"):
        MacroF1(num_classes=bad)


def test_wrong_score_width_raises():
    f1 = MacroF1(3)
    with pytest.raises(ValueError, match=r"y_pred.shape=\(8, 4\)"):
        f1.update_state(Y_TRUE, scores(Y_PRED, 4))


def test_get_config_round_trip():
    f1 = MacroF1(5, name="f1")
    config = f1.get_config()
    assert config["num_classes"] == 5 and config["name"] == "f1"
    clone = MacroF1.from_config(config)
    assert (clone.num_classes, clone.name) == (5, "f1")


def test_keras_serialization_round_trip():
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(MacroF1(4, name="f1"))
    )
    assert isinstance(clone, MacroF1)
    assert (clone.num_classes, clone.name) == (4, "f1")


def test_works_in_compile_and_evaluate():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = np.arange(32) % 3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[MacroF1(3)])
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    predicted = model.predict(x, verbose=0).argmax(axis=1)
    assert logs["macro_f1"] == pytest.approx(reference(y, predicted), abs=1e-6)


def test_matches_keras_f1score_with_one_hot_labels():
    # Keras' own F1Score takes one-hot labels; threshold=None marks each row's argmax.
    ours, theirs = MacroF1(3), keras.metrics.F1Score(average="macro")
    ours.update_state(Y_TRUE, scores(Y_PRED))
    theirs.update_state(np.eye(3, dtype="float32")[Y_TRUE], scores(Y_PRED))
    assert float(ours.result()) == pytest.approx(float(theirs.result()), abs=1e-6)
