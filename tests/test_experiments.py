"""Tests of tfbook.experiments: kernel norms, training one variant, the results table."""

import numpy as np
import pytest

import tfbook

tfbook.configure(seed=0, show_versions=False)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfbook import experiments, tables  # noqa: E402

# The tiny datasets here are not shuffled; fit() notes that, which is beside the point.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")


def _tiny_model():
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="hidden"), keras.layers.Dense(2, name="out")]
    )


def _data(n=16):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


def test_kernel_norm_l2_matches_numpy():
    model = _tiny_model()
    kernels = [layer.kernel.numpy() for layer in model.layers]
    expected = np.sqrt(sum(np.square(k).sum() for k in kernels))
    assert experiments.kernel_norm(model) == pytest.approx(expected, rel=1e-6)


def test_kernel_norm_l1_matches_numpy():
    model = _tiny_model()
    expected = sum(np.abs(layer.kernel.numpy()).sum() for layer in model.layers)
    assert experiments.kernel_norm(model, order=1) == pytest.approx(expected, rel=1e-6)


def test_kernel_norm_ignores_biases():
    model = _tiny_model()
    before = experiments.kernel_norm(model)
    model.layers[0].bias.assign(np.full(3, 100.0, "float32"))
    assert experiments.kernel_norm(model) == before


def test_kernel_norm_looks_inside_nested_models():
    inner = _tiny_model()
    outer = keras.Sequential([keras.Input((4,)), inner])
    assert experiments.kernel_norm(outer) == experiments.kernel_norm(inner)


def test_kernel_norm_rejects_bad_order():
    with pytest.raises(ValueError, match=r"`order`.*Received: order=3"):
        experiments.kernel_norm(_tiny_model(), order=3)


def test_kernel_norm_rejects_model_without_kernels():
    model = keras.Sequential([keras.Input((4,)), keras.layers.ReLU()])
    with pytest.raises(ValueError, match="without layers that have a `kernel`"):
        experiments.kernel_norm(model)


def test_compile_classifier_rejects_bad_learning_rate():
    with pytest.raises(ValueError, match=r"`learning_rate`.*Received: learning_rate=0"):
        experiments.compile_classifier(_tiny_model(), learning_rate=0)


def test_train_variant_returns_row_with_requested_columns():
    data = _data()
    v = experiments.train_variant("tiny", _tiny_model, data, epochs=2, val=data, test=data,
                                  train_eval=data)
    assert v.name == "tiny"
    assert list(v.row) == ["variant", "epochs", "params", "train_acc", "val_acc", "val_xent",
                           "test_acc", "test_xent", "kernel_norm"]
    assert v.row["epochs"] == 2 and v.row["params"] == 4 * 3 + 3 + 3 * 2 + 2
    assert len(v.history["loss"]) == 2


def test_train_variant_omits_columns_without_data():
    v = experiments.train_variant("tiny", _tiny_model, _data(), epochs=1)
    assert list(v.row) == ["variant", "epochs", "params", "kernel_norm"]


def test_train_variant_same_seed_same_result():
    a = experiments.train_variant("a", _tiny_model, _data, epochs=2, seed=3)
    b = experiments.train_variant("b", _tiny_model, _data, epochs=2, seed=3)
    assert a.history["loss"] == b.history["loss"]


def test_train_variant_logs_validation_each_epoch_on_request():
    data = _data()
    v = experiments.train_variant("tiny", _tiny_model, data, epochs=2, val=data,
                                  validate_each_epoch=True)
    assert len(v.history["val_loss"]) == 2 and "val_xent" in v.history


def test_train_variant_prints_with_log_every(capsys):
    experiments.train_variant("tiny", _tiny_model, _data(), epochs=2, log_every=2)
    out = capsys.readouterr().out
    assert out.startswith("epoch 2/2: ") and out.count("\n") == 1


def test_train_variant_rejects_empty_name():
    with pytest.raises(ValueError, match=r"`name`.*Received: name=''"):
        experiments.train_variant("", _tiny_model, _data(), epochs=1)


def test_train_variant_rejects_bad_epochs():
    with pytest.raises(ValueError, match=r"`epochs`.*Received: epochs=0"):
        experiments.train_variant("tiny", _tiny_model, _data(), epochs=0)


def test_train_variant_rejects_bad_seed():
    with pytest.raises(ValueError, match=r"`seed`.*Received: seed=-1"):
        experiments.train_variant("tiny", _tiny_model, _data(), epochs=1, seed=-1)


def test_train_variant_rejects_bad_model():
    with pytest.raises(ValueError, match=r"`model`.*Received: model of type str"):
        experiments.train_variant("tiny", "mlp", _data(), epochs=1)


def test_train_variant_needs_val_for_each_epoch_validation():
    with pytest.raises(ValueError, match="Received: val=None"):
        experiments.train_variant("tiny", _tiny_model, _data(), epochs=1,
                                  validate_each_epoch=True)


def test_format_table_aligns_text_left_and_numbers_right():
    rows = [{"variant": "a", "acc": 0.81234, "epochs": 3}, {"variant": "long name", "epochs": 12}]
    assert tables.format_table(rows).splitlines() == [
        "variant       acc  epochs",
        "---------  ------  ------",
        "a          0.8123       3",
        "long name              12",
    ]


def test_format_table_selects_and_orders_columns():
    table = tables.format_table([{"a": 1, "b": 2.0}], columns=["b", "a"], digits=1)
    assert table.splitlines() == ["  b  a", "---  -", "2.0  1"]


def test_format_table_rejects_empty_rows():
    with pytest.raises(ValueError, match=r"`rows`.*Received: rows=\[\]"):
        tables.format_table([])


def test_format_table_rejects_bad_digits():
    with pytest.raises(ValueError, match=r"`digits`.*Received: digits=9"):
        tables.format_table([{"a": 1.0}], digits=9)


def test_format_table_without_rule():
    assert tables.format_table([{"a": 1}], rule=False).splitlines() == ["a", "1"]


def test_train_variant_matches_compile_and_fit_written_out():
    # The chapter writes these steps out before the helper repeats them.
    data = _data()
    keras.utils.set_random_seed(5)
    model = _tiny_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(data, epochs=3, validation_data=data, verbose=0)
    v = experiments.train_variant("tiny", _tiny_model, data, epochs=3, val=data,
                                  validate_each_epoch=True, learning_rate=0.01, seed=5)
    assert v.history["loss"] == history.history["loss"]
    assert v.history["val_loss"] == history.history["val_loss"]
    for ours, theirs in zip(v.model.weights, model.weights, strict=True):
        assert np.array_equal(ours.numpy(), theirs.numpy())


def test_train_variant_uses_the_optimizer_it_is_given():
    v = experiments.train_variant(
        "tiny", _tiny_model, _data(), epochs=1,
        optimizer=lambda: keras.optimizers.AdamW(0.01, weight_decay=0.5),
    )
    assert isinstance(v.model.optimizer, keras.optimizers.AdamW)
    assert v.model.optimizer.weight_decay == 0.5


def test_train_variant_rejects_optimizer_instance():
    with pytest.raises(ValueError, match=r"`optimizer`.*Received: optimizer of type Adam"):
        experiments.train_variant("tiny", _tiny_model, _data(), epochs=1,
                                  optimizer=keras.optimizers.Adam())


def test_compile_classifier_rejects_used_optimizer():
    opt = keras.optimizers.SGD(0.1)
    model = _tiny_model()
    experiments.compile_classifier(model, optimizer=opt)
    model.fit(_data(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="already built for another model"):
        experiments.compile_classifier(_tiny_model(), optimizer=opt)


def test_compile_classifier_rejects_non_optimizer():
    with pytest.raises(ValueError, match=r"`optimizer`.*Received: optimizer of type str"):
        experiments.compile_classifier(_tiny_model(), optimizer="adam")


def test_evaluate_variant_fills_the_row_of_a_model_trained_by_hand():
    data = _data()
    model = experiments.compile_classifier(_tiny_model())
    history = model.fit(data, epochs=2, verbose=0)
    v = experiments.evaluate_variant("by hand", model, history, val=data, test=data,
                                     train_eval=data)
    assert list(v.row) == ["variant", "epochs", "params", "train_acc", "val_acc", "val_xent",
                           "test_acc", "test_xent", "kernel_norm"]
    assert v.row["epochs"] == 2 and v.history == history.history


def test_evaluate_variant_without_xent_metric_omits_xent_columns():
    data = _data()
    model = _tiny_model()
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(data, epochs=1, verbose=0)
    row = experiments.evaluate_variant("plain", model, history, val=data, test=data).row
    assert "val_acc" in row and "val_xent" not in row
    assert "test_acc" in row and "test_xent" not in row


def test_evaluate_variant_xent_is_plain_cross_entropy_without_penalty():
    # The point of `xent`: comparable between models with and without a penalty.
    data = _data()
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(10.0)),
    ])
    experiments.compile_classifier(model)
    history = model.fit(data, epochs=1, verbose=0)
    row = experiments.evaluate_variant("l2", model, history, val=data, test=data).row
    x, y = next(iter(data.unbatch().batch(16)))
    expected = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x)))
    assert row["val_xent"] == pytest.approx(expected, rel=1e-5)
    assert row["test_xent"] == pytest.approx(expected, rel=1e-5)
    loss = model.evaluate(data, verbose=0, return_dict=True)["loss"]
    assert loss > expected + 1.0  # the loss includes the large penalty


def test_evaluate_variant_rejects_non_history():
    with pytest.raises(ValueError, match=r"`history`.*Received: history of type dict"):
        experiments.evaluate_variant("x", _tiny_model(), {"loss": [1.0]})
