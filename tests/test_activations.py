"""Activation functions of the backpropagation chapter: values, dtypes, derivatives, bad input."""

import warnings

import numpy as np
import pytest

from tfbook.chapters import backpropagation as bp

FUNCTIONS = {
    "sigmoid": (bp.sigmoid, bp.sigmoid_derivative),
    "tanh": (bp.tanh, bp.tanh_derivative),
    "relu": (bp.relu, bp.relu_derivative),
    "leaky_relu": (bp.leaky_relu, bp.leaky_relu_derivative),
}
ALL = [f for pair in FUNCTIONS.values() for f in pair]


def test_sigmoid_known_values():
    np.testing.assert_allclose(
        bp.sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])),
        [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1.0)), 1.0],
        rtol=1e-15,
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_never_warns_on_finite_input(dtype):
    big = np.finfo(dtype).max
    x = np.array([-big, -1000, -100, -89, 0, 89, 100, 1000, big], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = bp.sigmoid(x)
        d = bp.sigmoid_derivative(x)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(d))
    assert s[0] == 0 and s[-1] == 1


def test_sigmoid_is_symmetric():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(bp.sigmoid(x) + bp.sigmoid(-x), 1.0, rtol=1e-15)


def test_tanh_known_values():
    np.testing.assert_allclose(bp.tanh(np.array([-1000.0, 0.0, 1.0])), [-1.0, 0.0, np.tanh(1.0)])


def test_relu_known_values():
    np.testing.assert_array_equal(bp.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_leaky_relu_known_values():
    np.testing.assert_allclose(bp.leaky_relu(np.array([-2.0, 0.0, 3.0]), p=0.1), [-0.2, 0.0, 3.0])


def test_leaky_relu_default_slope_is_one_hundredth():
    assert bp.leaky_relu(-1.0) == pytest.approx(-0.01)
    assert bp.leaky_relu_derivative(-1.0) == pytest.approx(0.01)


def test_derivatives_at_known_points():
    assert bp.sigmoid_derivative(0.0) == 0.25
    assert bp.tanh_derivative(0.0) == 1.0
    np.testing.assert_array_equal(bp.relu_derivative(np.array([-2.0, 3.0])), [0.0, 1.0])
    np.testing.assert_allclose(bp.leaky_relu_derivative(np.array([-2.0, 3.0]), p=0.2), [0.2, 1])


def test_kink_uses_tensorflow_convention():
    assert bp.relu_derivative(0.0) == 0.0
    assert bp.leaky_relu_derivative(0.0, p=0.2) == pytest.approx(0.2)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_derivative_matches_central_differences(name):
    f, df = FUNCTIONS[name]
    x = np.linspace(-6, 6, 120)  # an even count: 0 is not on the grid
    np.testing.assert_allclose(bp.numerical_derivative(f, x), df(x), atol=1e-8)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_shape_is_kept(f):
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    assert f(x).shape == (3, 4)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_number_in_zero_dimensional_out(f):
    assert np.ndim(f(0.5)) == 0


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_float32_stays_float32(f):
    assert f(np.ones(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_integers_become_float64(f):
    assert f(np.array([-2, 3])).dtype == np.float64


def test_leaky_relu_derivative_of_integers_keeps_slope():
    np.testing.assert_allclose(bp.leaky_relu_derivative(np.array([-2, 3]), p=0.1), [0.1, 1.0])


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "bad",
    ["abc", np.array([1 + 2j]), np.array([None, 1.0], dtype=object), np.array([True]),
     [[1.0, 2.0], [3.0]]],
    ids=["str", "complex", "object", "bool", "ragged"],
)
def test_non_real_input_raises(f, bad):
    with pytest.raises(ValueError, match=r"`x`, expected an array of real numbers.*Received: x="):
        f(bad)


def test_error_message_shows_received_value_shortened():
    with pytest.raises(ValueError, match=r"Received: x='abc'$"):
        bp.sigmoid("abc")
    with pytest.raises(ValueError) as info:
        bp.sigmoid("a" * 500)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("p", [-0.1, 1.0, 2, "0.1", None, True, float("nan")])
@pytest.mark.parametrize("f", [bp.leaky_relu, bp.leaky_relu_derivative])
def test_bad_slope_raises(f, p):
    with pytest.raises(ValueError, match=r"`p`.*Received: p="):
        f(np.ones(2), p=p)


def test_slope_zero_is_relu():
    x = np.linspace(-3, 3, 10)
    np.testing.assert_array_equal(bp.leaky_relu(x, p=0), bp.relu(x))


def test_as_real_array_converts_integers_and_keeps_floats():
    assert bp.as_real_array([1, 2]).dtype == np.float64
    x = np.ones(2, dtype=np.float32)
    assert bp.as_real_array(x) is x


def test_as_real_array_names_the_argument():
    with pytest.raises(ValueError, match=r"`weights\[0\]`.*Received: weights\[0\]='a'"):
        bp.as_real_array("a", "weights[0]")
