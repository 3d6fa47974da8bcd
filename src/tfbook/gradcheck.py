"""Check hand-written derivatives against central finite differences.

The central difference

.. math:: f'(x) \\approx \\frac{f(x + \\varepsilon) - f(x - \\varepsilon)}{2\\varepsilon}

has an error of order :math:`\\varepsilon^2` (the one-sided difference only
:math:`\\varepsilon`), so with float64 and :math:`\\varepsilon = 10^{-6}` a
correct derivative agrees to about :math:`10^{-9}` or better; a wrong one is
off by orders of magnitude more. Everything here computes in float64.

Example:
    >>> import numpy as np
    >>> from tfbook import activations, gradcheck
    >>> x = np.linspace(-3, 3, 7)
    >>> numeric = gradcheck.numerical_derivative(activations.sigmoid, x)
    >>> gradcheck.max_abs_error(numeric, activations.sigmoid_derivative(x)) < 1e-9
    True
"""

from __future__ import annotations

import numpy as np

from tfbook._checks import check_real
from tfbook.activations import as_real_array

__all__ = ["max_abs_error", "numerical_derivative", "numerical_gradient", "relative_error"]


def _check_eps(eps) -> float:
    return check_real("eps", eps, "(0, 1)")


def _check_callable(f) -> None:
    if not callable(f):
        raise ValueError(
            "Received an invalid value for `f`, expected a callable. "
            f"Received: f of type {type(f).__name__}"
        )


def numerical_derivative(f, x, eps: float = 1e-6) -> np.ndarray:
    """Derivative of an elementwise function by central differences.

    ``f`` must act elementwise (output ``i`` depends on input ``i`` only),
    like an activation function; then one call on ``x + eps`` and one on
    ``x - eps`` give every derivative at once.

    Args:
        f: elementwise function mapping an array of shape ``(...)`` to the same shape.
        x: points, real numbers of shape ``(...)``; computed in float64.
        eps: step, in ``(0, 1)``.

    Returns:
        float64 array of shape ``(...)``: ``(f(x + eps) - f(x - eps)) / (2 eps)``.

    Raises:
        ValueError: if ``f`` is not callable, ``x`` is not real-valued, ``eps`` is
            out of range, or ``f`` changes the shape.

    Example:
        >>> numerical_derivative(np.square, np.array([1.0, 2.0])).round(6)
        array([2., 4.])
    """
    _check_callable(f)
    eps = _check_eps(eps)
    x = as_real_array(x).astype(np.float64)
    up = np.asarray(f(x + eps), dtype=np.float64)
    down = np.asarray(f(x - eps), dtype=np.float64)
    if up.shape != x.shape:
        raise ValueError(
            "Expected `f` to be elementwise, returning the shape of `x`. "
            f"Received: x.shape={x.shape}, f(x).shape={up.shape}"
        )
    return (up - down) / (2 * eps)


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function with respect to an array, one entry at a time.

    For each entry ``x[i]`` the array is changed **in place** to ``x[i] + eps``
    and ``x[i] - eps``, ``f(x)`` is evaluated, and the entry is restored. So
    ``f`` may read ``x`` through its argument or through any object holding the
    same array, e.g. a weight matrix inside a model. It costs ``2 * x.size``
    calls of ``f``: use it on small arrays.

    Args:
        f: function of ``x`` returning a scalar (a Python or NumPy number, or a
            size-1 array).
        x: float64 NumPy array of any shape ``(...)``; left unchanged on return.
        eps: step, in ``(0, 1)``.

    Returns:
        float64 array of shape ``(...)``, the estimate of ``df/dx``.

    Raises:
        ValueError: if ``f`` is not callable, ``x`` is not a float64 ndarray,
            ``eps`` is out of range, or ``f`` does not return a scalar.

    Example:
        >>> w = np.array([1.0, -2.0])
        >>> numerical_gradient(lambda v: float(np.sum(v**2)), w).round(6)
        array([ 2., -4.])
    """
    _check_callable(f)
    eps = _check_eps(eps)
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        kind = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else f"type {type(x).__name__}"
        raise ValueError(
            "Received an invalid value for `x`, expected a float64 numpy array (it is "
            f"changed in place, so it cannot be converted). Received: x of {kind}"
        )
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)  # a view: writing to it writes to x
    if flat_x.size and not np.shares_memory(flat_x, x):
        raise ValueError(
            "Received an invalid value for `x`, expected an array that can be flattened "
            f"without a copy (e.g. contiguous). Received: x with strides {x.strides}"
        )
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + eps
            up = _scalar(f(x))
            flat_x[i] = original - eps
            down = _scalar(f(x))
        finally:
            flat_x[i] = original
        flat_grad[i] = (up - down) / (2 * eps)
    return grad


def _scalar(value) -> float:
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "iuf":
        raise ValueError(
            "Expected `f` to return a real scalar. "
            f"Received: f(x) with shape {arr.shape} and dtype {arr.dtype}"
        )
    return float(arr.reshape(()))


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = as_real_array(a, "a").astype(np.float64)
    b = as_real_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"Expected `a` and `b` of the same shape. Received: a.shape={a.shape}, "
            f"b.shape={b.shape}"
        )
    return a, b


def max_abs_error(a, b) -> float:
    """Largest absolute difference ``max |a - b|`` of two arrays of the same shape.

    Args:
        a: real numbers, shape ``(...)``.
        b: real numbers, the same shape ``(...)`` (no broadcasting).

    Returns:
        A Python float (0.0 for empty arrays).

    Raises:
        ValueError: if an input is not real-valued or the shapes differ.

    Example:
        >>> max_abs_error([1.0, 2.0], [1.0, 2.5])
        0.5
    """
    a, b = _pair(a, b)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def relative_error(a, b, floor: float = 1e-8) -> float:
    """Largest relative difference ``max |a - b| / max(|a|, |b|, floor)``.

    Relative error judges large and small gradients alike; ``floor`` keeps
    entries where both are (almost) zero, like the gradient of a dead ReLU
    unit, from dividing rounding noise by nothing.

    Args:
        a: real numbers, shape ``(...)``.
        b: real numbers, the same shape ``(...)``.
        floor: smallest denominator, a positive number.

    Returns:
        A Python float (0.0 for empty arrays).

    Raises:
        ValueError: if an input is not real-valued, the shapes differ, or
            ``floor`` is not positive.

    Example:
        >>> relative_error([100.0, 0.0], [101.0, 0.0])
        0.009900990099009901
    """
    floor = check_real("floor", floor, "(0, inf)")
    a, b = _pair(a, b)
    if not a.size:
        return 0.0
    denominator = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / denominator))
