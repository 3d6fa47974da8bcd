"""Argument checks shared by the public functions of tfbook.

Messages follow Keras' style: ``Received an invalid value for `units`,
expected a positive integer. Received: units=0``.
"""

from __future__ import annotations

import math
import numbers


def _expected_int(minimum: int, maximum: int | None) -> str:
    if maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"


def check_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    Python and NumPy integers pass; ``bool``, floats and strings do not.

    Raises:
        ValueError: naming ``name``, the expected range and the received value.

    Example:
        >>> check_int("units", 3)
        3
        >>> check_int("units", 0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: ...expected a positive integer. Received: units=0
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected "
            f"{_expected_int(minimum, maximum)}. Received: {name}={value!r}"
        )
    return int(value)


def _parse_interval(interval: str) -> tuple[float, float, bool, bool]:
    left, right = interval[0], interval[-1]
    low, high = (float(s) for s in interval[1:-1].split(","))
    if left not in "[(" or right not in "])" or not low < high:
        raise ValueError(f"Invalid interval {interval!r}; write it like '[0, 1)' or '(0, inf)'.")
    return low, high, left == "[", right == "]"


def check_real(name: str, value, interval: str = "(-inf, inf)") -> float:
    """Return ``value`` as a ``float`` if it is a real number in ``interval``.

    ``interval`` is written as in mathematics: ``"[0, 1)"``, ``"(0, inf)"``.
    Python and NumPy reals pass (``np.float32`` too); ``bool``, NaN, strings
    and arrays do not.

    Raises:
        ValueError: naming ``name``, the interval and the received value.

    Example:
        >>> import numpy as np
        >>> check_real("rate", np.float32(0.5), "[0, 1)")
        0.5
        >>> check_real("learning_rate", 0, "(0, inf)")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: ...expected a positive number. Received: learning_rate=0
    """
    low, high, low_closed, high_closed = _parse_interval(interval)
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and not math.isnan(value)
        and (low <= value if low_closed else low < value)
        and (value <= high if high_closed else value < high)
    )
    if not ok:
        expected = (
            "a positive number" if interval == "(0, inf)" else f"a real number in {interval}"
        )
        raise ValueError(
            f"Received an invalid value for `{name}`, expected {expected}. "
            f"Received: {name}={value!r}"
        )
    return float(value)
