"""Gradient checks of the backpropagation chapter: finite differences and error measures."""

import numpy as np
import pytest

from tfbook.chapters import backpropagation as bp


def test_numerical_derivative_of_sin_is_cos():
    x = np.linspace(-3, 3, 25)
    np.testing.assert_allclose(bp.numerical_derivative(np.sin, x), np.cos(x), atol=1e-9)


def test_numerical_derivative_keeps_shape_and_uses_float64():
    x = np.ones((2, 3), dtype=np.float32)
    d = bp.numerical_derivative(np.square, x)
    assert d.shape == (2, 3) and d.dtype == np.float64


def test_numerical_derivative_rejects_non_elementwise_f():
    with pytest.raises(ValueError, match=r"elementwise.*x.shape=\(3,\), f\(x\).shape=\(\)"):
        bp.numerical_derivative(np.sum, np.ones(3))


def test_numerical_gradient_of_quadratic_form():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.0])
    grad = bp.numerical_gradient(lambda v: v @ a @ v, x)
    np.testing.assert_allclose(grad, 2 * a @ x, atol=1e-8)


def test_numerical_gradient_restores_x_and_sees_it_through_closure():
    w = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = w.copy()
    holder = {"w": w}
    grad = bp.numerical_gradient(lambda _: float(np.sum(holder["w"] ** 3)), w)
    np.testing.assert_array_equal(w, before)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6, atol=1e-9)
    assert grad.shape == (2, 3)


def test_numerical_gradient_works_on_a_non_contiguous_view():
    w = np.arange(12, dtype=np.float64).reshape(3, 4)
    view = w[:, ::2]
    grad = bp.numerical_gradient(lambda _: float(np.sum(w[:, ::2] ** 2)), view)
    np.testing.assert_allclose(grad, 2 * view, atol=1e-6)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        bp.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("bad", [[1.0, 2.0], np.ones(2, dtype=np.float32), 3.0])
def test_numerical_gradient_needs_float64_array(bad):
    with pytest.raises(ValueError, match=r"`x`.*float64.*Received: x of type"):
        bp.numerical_gradient(lambda v: 0.0, bad)


def test_numerical_gradient_needs_a_number_from_f():
    with pytest.raises(TypeError):
        bp.numerical_gradient(lambda v: v * 2, np.ones(2))


@pytest.mark.parametrize("eps", [0, -1e-6, 1.0, float("nan"), "1e-6", True])
@pytest.mark.parametrize("fn", [bp.numerical_derivative, bp.numerical_gradient])
def test_bad_eps_raises(fn, eps):
    with pytest.raises(ValueError, match=r"`eps`.*Received: eps="):
        fn(np.sin, np.ones(2), eps=eps)


def test_max_abs_error_known_value():
    assert bp.max_abs_error([1.0, 2.0, 3.0], [1.0, 2.5, 2.9]) == pytest.approx(0.5)


@pytest.mark.parametrize("fn", [bp.max_abs_error, bp.relative_error])
def test_errors_of_empty_arrays_are_zero(fn):
    assert fn(np.zeros(0), np.zeros(0)) == 0.0


def test_relative_error_is_taken_entry_by_entry():
    # max|a - b| / max(|a|, |b|) over the whole arrays would give 1 / 1000.
    assert bp.relative_error([1000.0, 1.0], [1000.0, 2.0]) == pytest.approx(0.5)
    assert bp.relative_error([100.0, 0.0], [101.0, 0.0]) == pytest.approx(1 / 101)


def test_relative_error_floor_guards_zeros():
    assert bp.relative_error([0.0], [1e-12]) == pytest.approx(1e-4)
    assert bp.relative_error([0.0], [1e-12], floor=1e-3) == pytest.approx(1e-9)


@pytest.mark.parametrize("fn", [bp.max_abs_error, bp.relative_error])
def test_shape_mismatch_raises(fn):
    with pytest.raises(ValueError, match=r"one shape. Received: \(2,\) and \(3,\)"):
        fn(np.ones(2), np.ones(3))


@pytest.mark.parametrize("fn", [bp.max_abs_error, bp.relative_error])
def test_non_numeric_input_raises_naming_argument(fn):
    with pytest.raises(ValueError, match=r"`b`.*Received: b='x'"):
        fn(np.ones(1), "x")


@pytest.mark.parametrize("floor", [0, -1.0, "1", float("inf")])
def test_bad_floor_raises(floor):
    with pytest.raises(ValueError, match=r"`floor`.*Received: floor="):
        bp.relative_error([1.0], [1.0], floor=floor)
