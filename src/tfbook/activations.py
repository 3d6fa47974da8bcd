"""Activation functions and their derivatives in NumPy, numerically stable.

The :ref:`backpropagation` chapter derives each derivative by hand; these are
the versions it checks against finite differences and ``tf.GradientTape``.
Every function works elementwise on an array of any shape and returns an array
of the same shape. Integer input is computed in float64; float16/32/64 input
keeps its dtype.

Where a function has a kink (ReLU and LeakyReLU at 0) the derivative does not
exist there; like TensorFlow's gradients, the derivatives here use the slope of
the left piece at exactly 0 for ReLU (0) and LeakyReLU (``p``).

Example:
    >>> import numpy as np
    >>> from tfbook import activations
    >>> activations.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    >>> activations.relu_derivative(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
"""

from __future__ import annotations

import numpy as np

from tfbook._checks import check_real

__all__ = [
    "leaky_relu",
    "leaky_relu_derivative",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
]


def as_real_array(x, name: str = "x") -> np.ndarray:
    """Return ``x`` as a floating NumPy array, or raise a ``ValueError`` naming ``name``.

    Integer arrays become float64; floating arrays keep their dtype. Booleans,
    complex numbers, strings and object arrays are rejected.

    Args:
        x: a number or an array-like of real numbers, any shape.
        name: the argument's name, used in the error message.

    Returns:
        A floating ``np.ndarray`` with the shape of ``x`` (0-d for a number).

    Raises:
        ValueError: if ``x`` is not real-valued numeric data.

    Example:
        >>> as_real_array([1, 2]).dtype
        dtype('float64')
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as e:  # ragged nested lists
        raise ValueError(
            f"Received an invalid value for `{name}`, expected an array of real numbers. "
            f"Received: {name}={_short_repr(x)}"
        ) from e
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64)
    raise ValueError(
        f"Received an invalid value for `{name}`, expected an array of real numbers "
        f"(integer or floating dtype). Received: {name}={_short_repr(x)} with dtype {arr.dtype}"
    )


def _short_repr(x, limit: int = 80) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _out(arr: np.ndarray):
    """0-d arrays come back as NumPy scalars, like NumPy's own ufuncs."""
    return arr[()] if arr.ndim == 0 else arr


def _check_slope(p) -> float:
    return check_real("p", p, "[0, 1)")


def sigmoid(x):
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, without overflow.

    ``1 / (1 + np.exp(-x))`` overflows (with a ``RuntimeWarning``) for large
    negative ``x``, because ``exp(-x)`` exceeds the largest float. Here the
    exponential is only ever taken of ``-|x|``, which lies in ``(0, 1]``:
    :math:`\sigma(x) = 1/(1+e^{-|x|})` for :math:`x \ge 0` and
    :math:`e^{-|x|}/(1+e^{-|x|})` for :math:`x < 0`.

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Values in ``[0, 1]``, shape ``(...)``.

    Raises:
        ValueError: if ``x`` is not real-valued.

    Example:
        >>> sigmoid(np.array([-1000.0, 0.0, 2.0])).round(4)
        array([0.    , 0.5   , 0.8808])
    """
    x = as_real_array(x)
    z = np.exp(-np.abs(x))
    return _out(np.where(x >= 0, 1 / (1 + z), z / (1 + z)))


def sigmoid_derivative(x):
    r""":math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`.

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Values in ``[0, 0.25]``, shape ``(...)``.

    Example:
        >>> sigmoid_derivative(0.0)
        np.float64(0.25)
    """
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    r"""The hyperbolic tangent :math:`\tanh(x) = 2\sigma(2x) - 1`, computed by ``np.tanh``.

    ``2 * sigmoid(2 * x) - 1`` is exact in theory but loses digits near 0 (it
    subtracts two numbers close to 1); ``np.tanh`` does not.

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Values in ``[-1, 1]``, shape ``(...)``.

    Example:
        >>> tanh(np.array([-1000.0, 0.0, 1.0])).round(4)
        array([-1.    ,  0.    ,  0.7616])
    """
    return _out(np.tanh(as_real_array(x)))


def tanh_derivative(x):
    r""":math:`\tanh'(x) = 1 - \tanh^2(x)`.

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Values in ``[0, 1]``, shape ``(...)``.

    Example:
        >>> tanh_derivative(0.0)
        np.float64(1.0)
    """
    t = tanh(x)
    return 1 - t * t


def relu(x):
    r""":math:`\mathrm{ReLU}(x) = \max(0, x)`.

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Non-negative values, shape ``(...)``.

    Example:
        >>> relu(np.array([-2.0, 0.0, 3.0]))
        array([0., 0., 3.])
    """
    x = as_real_array(x)
    return _out(np.maximum(x, 0).astype(x.dtype, copy=False))


def relu_derivative(x):
    r""":math:`\mathrm{ReLU}'(x) = 1` for :math:`x > 0`, else 0 (0 at the kink, as in TensorFlow).

    Args:
        x: real numbers, any shape ``(...)``.

    Returns:
        Zeros and ones of the dtype of ``x`` (float64 for integers), shape ``(...)``.

    Example:
        >>> relu_derivative(np.array([-2.0, 0.0, 3.0]))
        array([0., 0., 1.])
    """
    x = as_real_array(x)
    return _out((x > 0).astype(x.dtype))


def leaky_relu(x, p: float = 0.01):
    r""":math:`\mathrm{LeakyReLU}(x) = x` for :math:`x > 0`, else :math:`p\,x`.

    Args:
        x: real numbers, any shape ``(...)``.
        p: slope of the negative half, in ``[0, 1)`` (``p = 0`` is ReLU).

    Returns:
        Values of shape ``(...)``.

    Raises:
        ValueError: if ``x`` is not real-valued or ``p`` is outside ``[0, 1)``.

    Example:
        >>> leaky_relu(np.array([-2.0, 3.0]), p=0.1)
        array([-0.2,  3. ])
    """
    p = _check_slope(p)
    x = as_real_array(x)
    return _out(np.where(x > 0, x, (p * x).astype(x.dtype)))


def leaky_relu_derivative(x, p: float = 0.01):
    r""":math:`\mathrm{LeakyReLU}'(x) = 1` for :math:`x > 0`, else :math:`p` (``p`` at the kink).

    Args:
        x: real numbers, any shape ``(...)``.
        p: slope of the negative half, in ``[0, 1)``.

    Returns:
        Values ``1`` or ``p`` of the dtype of ``x``, shape ``(...)``.

    Raises:
        ValueError: if ``x`` is not real-valued or ``p`` is outside ``[0, 1)``.

    Example:
        >>> leaky_relu_derivative(np.array([-2.0, 3.0]), p=0.1)
        array([0.1, 1. ])
    """
    p = _check_slope(p)
    x = as_real_array(x)
    return _out(np.where(x > 0, np.ones_like(x), np.full_like(x, p)))
