"""Tests of MyDense (tfbook.chapters.custom_layers_and_models)."""

import numpy as np
import pytest

import tfbook

tfbook.configure(seed=0, show_versions=False)

import keras  # noqa: E402

from tfbook.chapters.custom_layers_and_models import MyDense  # noqa: E402


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
