"""Argument checks shared by the public functions of tfbook.

Messages follow Keras' style: ``Received an invalid value for `units`,
expected a positive integer. Received: units=0``.
"""

from __future__ import annotations

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
