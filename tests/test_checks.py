import numpy as np
import pytest

from tfbook._checks import check_int, check_real


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


@pytest.mark.parametrize("value", [0.5, 0, np.float32(0.25), np.float64(0.75), np.int64(0)])
def test_check_real_accepts_python_and_numpy_reals(value):
    assert check_real("rate", value, "[0, 1)") == float(value)


@pytest.mark.parametrize("value", [True, "0.5", None, float("nan"), np.array([0.5]), 1, -0.1])
def test_check_real_rejects_non_reals_and_out_of_range(value):
    with pytest.raises(ValueError, match=r"expected a real number in \[0, 1\)\. Received: rate="):
        check_real("rate", value, "[0, 1)")


@pytest.mark.parametrize(("interval", "inside", "outside"), [
    ("(0, 1]", 1, 0), ("[0, 1)", 0, 1), ("(0, inf)", 1e300, float("inf")),
])
def test_check_real_honours_open_and_closed_ends(interval, inside, outside):
    assert check_real("x", inside, interval) == inside
    with pytest.raises(ValueError):
        check_real("x", outside, interval)


def test_check_real_says_positive_for_positive_half_line():
    with pytest.raises(ValueError) as info:
        check_real("learning_rate", -1, "(0, inf)")
    assert str(info.value) == (
        "Received an invalid value for `learning_rate`, expected a positive number. "
        "Received: learning_rate=-1"
    )


def test_check_real_rejects_malformed_interval():
    with pytest.raises(ValueError, match="Invalid interval"):
        check_real("x", 0.5, "{0, 1}")
