"""Layers the chapters teach.

``dense_params`` and ``weights_table`` (tfbook.chapters.layers, from the
chapter on layers) and ``MyDense`` (tfbook.chapters.custom_layers_and_models).
"""

import numpy as np
import pytest

import tfbook

tfbook.configure(seed=0, show_versions=False)

import keras  # noqa: E402

from tfbook.chapters.custom_layers_and_models import MyDense  # noqa: E402
from tfbook.chapters.layers import dense_params, weights_table  # noqa: E402


def test_output_shape_and_single_weight():
    layer = MyDense(4, 3, name="fc")
    out = layer(np.ones((2, 4), "float32"))
    assert tuple(out.shape) == (2, 3)
    assert [w.path for w in layer.weights] == ["fc/w"]
    assert tuple(layer.kernel.shape) == (4, 3)


def test_weights_are_created_in_build_not_init():
    layer = MyDense(4, 3)
    assert not layer.built
    assert layer.weights == []
    layer.build((None, 4))
    assert layer.built
    assert len(layer.trainable_weights) == 1


def test_relu_by_default_and_linear_when_activation_none():
    x = np.array([[1.0, -1.0]], "float32")
    relu = MyDense(2, 2)
    linear = MyDense(2, 2, activation=None)
    relu.build((None, 2))
    linear.build((None, 2))
    kernel = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    relu.kernel.assign(kernel)
    linear.kernel.assign(kernel)
    np.testing.assert_array_equal(np.asarray(relu(x)), [[1.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(linear(x)), [[1.0, -1.0]])


def test_non_trainable_layer_moves_its_weight():
    layer = MyDense(4, 3, trainable=False)
    layer.build((None, 4))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 1


def test_wrong_input_width_raises_clear_error():
    layer = MyDense(4, 3, name="fc")
    with pytest.raises(ValueError, match=r"layer 'fc'.*inp_dim=4.*received width 5"):
        layer(np.ones((2, 5), "float32"))


def test_build_with_wrong_width_raises():
    with pytest.raises(ValueError, match=r"Received: input_shape=\(None, 7\)"):
        MyDense(4, 3).build((None, 7))


@pytest.mark.parametrize("arg, value", [("inp_dim", 0), ("outp_dim", -1), ("inp_dim", 2.5)])
def test_invalid_dims_raise(arg, value):
    kwargs = {"inp_dim": 4, "outp_dim": 3, arg: value}
    with pytest.raises(ValueError, match=rf"`{arg}`.*Received: {arg}={value}"):
        MyDense(**kwargs)


def test_get_config_round_trip():
    layer = MyDense(4, 3, activation=None, name="fc")
    clone = MyDense.from_config(layer.get_config())
    assert (clone.inp_dim, clone.outp_dim, clone.name) == (4, 3, "fc")
    assert clone.get_config()["activation"] == "linear"


def test_model_saves_and_loads_with_equal_predictions(tmp_path):
    model = keras.Sequential(
        [keras.Input((4,)), MyDense(4, 3, name="fc1"), MyDense(3, 2, activation=None, name="fc2")]
    )
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], MyDense)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


# dense_params and weights_table (chapters/layers.ipynb)


def test_dense_params_counts_kernel_and_bias():
    assert dense_params(4, 3) == 4 * 3 + 3


def test_dense_params_without_bias():
    assert dense_params(784, 256, use_bias=False) == 784 * 256


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"input_dim": 0, "units": 3}, "input_dim=0"),
    ({"input_dim": 4, "units": 2.5}, "units=2.5"),
    ({"input_dim": True, "units": 3}, "input_dim=True"),
])
def test_dense_params_rejects_non_positive_integers(kwargs, text):
    with pytest.raises(ValueError, match=text):
        dense_params(**kwargs)


def test_dense_params_matches_keras():
    layer = keras.layers.Dense(5)
    layer.build((None, 7))
    assert dense_params(7, 5) == layer.count_params()


def test_weights_table_has_header_rows_and_total():
    layer = keras.layers.Dense(3, name="hidden")
    layer.build((None, 4))
    lines = weights_table(layer).splitlines()
    assert lines[0].split() == ["path", "shape", "trainable", "count"]
    assert lines[1].split() == ["hidden/kernel", "(4,", "3)", "True", "12"]
    assert lines[2].split() == ["hidden/bias", "(3,)", "True", "3"]
    assert lines[-1].split() == ["total", "15"]


def test_weights_table_marks_non_trainable_state_and_totals_count_params():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="d"),
         keras.layers.BatchNormalization(name="bn")],
        name="net",
    )
    lines = weights_table(model).splitlines()
    frozen = [line.split()[0] for line in lines[1:-1] if line.split()[-2] == "False"]
    assert frozen == ["net/bn/moving_mean", "net/bn/moving_variance"]
    assert int(lines[-1].split()[-1]) == model.count_params() == 27


def test_weights_table_counts_a_convolution_kernel():
    layer = keras.layers.Conv2D(8, 3, name="conv")
    layer.build((None, 28, 28, 1))
    lines = weights_table(layer).splitlines()
    assert lines[1].split() == ["conv/kernel", "(3,", "3,", "1,", "8)", "True", "72"]
    assert lines[-1].split() == ["total", "80"]


def test_weights_table_rejects_unbuilt_layer():
    with pytest.raises(ValueError, match="unbuilt layer.*'late'"):
        weights_table(keras.layers.Dense(2, name="late"))


def test_weights_table_rejects_non_layer():
    with pytest.raises(ValueError, match="`layer`.*Received: layer of type list"):
        weights_table([1, 2])
