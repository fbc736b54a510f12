"""Odds formats: golden conversions, exact round trips, parsing and validation messages."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairedge.pricing.odds import (
    american_from_decimal,
    decimal_from_american,
    decimal_from_fractional,
    decimal_from_hong_kong,
    decimal_from_implied,
    format_american,
    fractional_from_decimal,
    hong_kong_from_decimal,
    implied_from_decimal,
    net_of_commission,
    parse_odds,
    validate_decimal,
)


@pytest.mark.parametrize(
    ("american", "decimal"),
    [
        (150, 2.5),
        (-110, 1 + 100 / 110),
        (100, 2.0),
        (-100, 2.0),
        (-200, 1.5),
        (900, 10.0),
        (-3000, 1 + 1 / 30),
    ],
)
def test_american_to_decimal_golden(american: float, decimal: float) -> None:
    assert float(decimal_from_american(american)) == pytest.approx(decimal, rel=1e-15)


def test_decimal_to_american_uses_the_sign_convention() -> None:
    out = american_from_decimal([2.5, 2.0, 1.5, 1 + 100 / 110])
    np.testing.assert_allclose(out, [150.0, 100.0, -200.0, -110.0], rtol=1e-12)


def test_decimal_to_american_float_noise_is_removed_for_display() -> None:
    raw = float(american_from_decimal(1.05))
    assert raw != -2000.0  # 1.05 is not exact in binary
    assert format_american(raw) == "-2000"
    assert format_american(150.0) == "+150"
    assert format_american(-99.6) == "+100"


def test_american_between_minus_and_plus_100_is_invalid() -> None:
    with pytest.raises(
        ValueError, match=r"invalid American odds 50\.0 at index 1: must be ≤ −100 or ≥ \+100"
    ):
        decimal_from_american([150, 50, -110])


def test_conversions_keep_the_array_shape() -> None:
    a = np.array([[150, -110], [-3000, 900]], dtype=float)
    assert decimal_from_american(a).shape == (2, 2)
    assert american_from_decimal(decimal_from_american(a)).shape == (2, 2)


def test_fractional_and_hong_kong_and_implied_golden() -> None:
    np.testing.assert_allclose(decimal_from_fractional([5, 1, 10], [2, 1, 11]), [3.5, 2.0, 1 + 10 / 11])
    num, den = fractional_from_decimal([3.5, 2.0, 1 + 10 / 11, 1.001])
    assert num.tolist() == [5, 1, 10, 1]
    assert den.tolist() == [2, 1, 11, 1000]
    np.testing.assert_allclose(decimal_from_hong_kong([0.9, 1.5]), [1.9, 2.5])
    np.testing.assert_allclose(hong_kong_from_decimal([1.9, 2.5]), [0.9, 1.5])
    np.testing.assert_allclose(decimal_from_implied([0.4, 0.5]), [2.5, 2.0])
    np.testing.assert_allclose(implied_from_decimal([2.5, 4.0]), [0.4, 0.25])


american_prices = st.one_of(st.floats(100, 100_000), st.floats(-100_000, -100.001))  # −100 ≡ +100: evens
decimal_prices = st.floats(1.0001, 1000.0)


@settings(max_examples=200)
@given(american_prices)
def test_american_round_trip(a: float) -> None:
    assert float(american_from_decimal(decimal_from_american(a))) == pytest.approx(a, rel=1e-12)


@settings(max_examples=200)
@given(decimal_prices)
def test_decimal_round_trips_through_every_format(d: float) -> None:
    assert float(decimal_from_american(american_from_decimal(d))) == pytest.approx(d, rel=1e-12)
    assert float(decimal_from_hong_kong(hong_kong_from_decimal(d))) == pytest.approx(d, rel=1e-12)
    assert float(decimal_from_implied(implied_from_decimal(d))) == pytest.approx(d, rel=1e-12)


@settings(max_examples=200)
@given(st.integers(1, 500), st.integers(1, 1000))
def test_fractional_round_trip(numerator: int, denominator: int) -> None:
    d = decimal_from_fractional(numerator, denominator)
    num, den = fractional_from_decimal(d)
    g = math.gcd(numerator, denominator)
    assert (int(num), int(den)) == (numerator // g, denominator // g)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+150", 2.5),
        ("-110", 1 + 100 / 110),
        ("−110", 1 + 100 / 110),  # Unicode minus, as copied from web pages
        ("+100", 2.0),
        ("2.5", 2.5),
        (" 1.91 ", 1.91),
        ("5/2", 3.5),
        ("evens", 2.0),
        ("40%", 2.5),
        ("150", 150.0),  # no sign: decimal
    ],
)
def test_parse_odds(text: str, expected: float) -> None:
    assert parse_odds(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.4", "decimal odds must be > 1"),
        ("1", "decimal odds must be > 1"),
        ("+50", "American odds must be ≤ -100"),
        ("abc", "not a number"),
        ("", "empty odds"),
        ("5/0", "positive numerator and denominator"),
        ("nan", "not a finite number"),
        ("120%", "between 0% and 100%"),
    ],
)
def test_parse_odds_rejects_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_odds(text)


def test_validate_decimal_names_index_and_value() -> None:
    odds = np.array([[2.0, 1.8], [1.5, 2.6], [2.2, 1.7], [3.0, 0.95]])
    with pytest.raises(
        ValueError, match=r"invalid decimal odds 0\.95 at index \(3, 1\): must be a finite number > 1"
    ):
        validate_decimal(odds)


@pytest.mark.parametrize("bad", [1.0, 0.0, -2.0, math.inf, math.nan])
def test_validate_decimal_refuses_each_kind_of_bad_value(bad: float) -> None:
    with pytest.raises(ValueError, match=r"at index 1"):
        validate_decimal([2.0, bad])


def test_validate_decimal_accepts_nan_padding_only_when_asked() -> None:
    out = validate_decimal([2.0, math.nan], allow_nan=True)
    assert math.isnan(out[1])
    with pytest.raises(ValueError, match="NaN is not allowed"):
        validate_decimal([2.0, math.nan])
    with pytest.raises(ValueError, match="at index 0"):
        validate_decimal([0.5, math.nan], allow_nan=True)


def test_net_of_commission() -> None:
    np.testing.assert_allclose(net_of_commission([3.0, 2.0], 0.05), [2.9, 1.95])
    d = np.array([1.05, 2.37, 11.0])
    assert np.array_equal(net_of_commission(d, 0.0), d)  # bit for bit at zero commission
    with pytest.raises(ValueError, match="commission"):
        net_of_commission(d, 1.0)
