import numpy as np
import pytest

from tfbook._checks import check_int


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_check_int_accepts_python_and_numpy_integers(value):
    assert check_int("n", value) == int(value)
    assert type(check_int("n", value)) is int


@pytest.mark.parametrize("value", [True, 2.0, "2", None])
def test_check_int_rejects_non_integers(value):
    with pytest.raises(ValueError, match=r"Received: n="):
        check_int("n", value)


@pytest.mark.parametrize(
    ("minimum", "maximum", "value", "expected"),
    [
        (1, None, 0, "a positive integer"),
        (0, None, -1, "a non-negative integer"),
        (2, None, 1, "an integer >= 2"),
        (1, 8, 9, "an integer from 1 to 8"),
    ],
)
def test_check_int_message_names_range_and_value(minimum, maximum, value, expected):
    with pytest.raises(ValueError) as info:
        check_int("units", value, minimum=minimum, maximum=maximum)
    assert str(info.value) == (
        f"Received an invalid value for `units`, expected {expected}. Received: units={value}"
    )
