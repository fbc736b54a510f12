"""Odds formats and their validation, vectorised over numpy arrays.

Every converter takes array-likes (or scalars) and returns float64 arrays of the same shape. Decimal odds
``d`` are the canonical form in FairEdge: the total return per unit staked, so ``d > 1``. Conversions
follow the standard definitions (e.g. Buchdahl, "Squares & Sharps, Suckers & Sharks", ch. 2; penaltyblog
``OddsInput``):

=============  =====================================================  ============================
format         to decimal                                              from decimal
=============  =====================================================  ============================
American ``a``  ``a ≥ +100 → 1 + a/100``; ``a ≤ −100 → 1 + 100/|a|``    ``d ≥ 2 → 100(d−1)``;
                                                                        ``d < 2 → −100/(d−1)``
fractional     ``1 + n/k``                                             ``n/k ≈ d − 1``
Hong Kong ``h`` ``1 + h``                                               ``d − 1``
implied ``p``  ``1/p``                                                 ``1/d``
=============  =====================================================  ============================

Invalid values raise :class:`ValueError` naming the first offending index and value. ``NaN`` is refused unless
``allow_nan=True`` (NaN is how ragged markets are padded); it then passes through unchanged.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "FloatArray",
    "american_from_decimal",
    "decimal_from_american",
    "decimal_from_fractional",
    "decimal_from_hong_kong",
    "decimal_from_implied",
    "format_american",
    "fractional_from_decimal",
    "hong_kong_from_decimal",
    "implied_from_decimal",
    "net_of_commission",
    "parse_odds",
    "validate_decimal",
]


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _index_text(shape: tuple[int, ...], flat: int) -> str:
    if not shape:
        return ""
    index = np.unravel_index(flat, shape)
    if len(index) == 1:
        return f" at index {int(index[0])}"
    return f" at index ({', '.join(str(int(i)) for i in index)})"


def raise_invalid(values: FloatArray, bad: NDArray[np.bool_], what: str, rule: str) -> None:
    """Raise ``ValueError`` for the first ``True`` in ``bad``: ``invalid <what> <value> at index (i, j): …``.

    Shared by every pricing module so that all of them report bad input the same way.
    """
    flat = int(np.flatnonzero(bad)[0]) if bad.ndim else 0
    value = float(values.reshape(-1)[flat]) if values.ndim else float(values)
    count = int(np.count_nonzero(bad))
    more = f" ({count - 1} more invalid)" if count > 1 else ""
    raise ValueError(f"invalid {what} {value!r}{_index_text(values.shape, flat)}: {rule}{more}")


def check_values(values: FloatArray, ok: NDArray[np.bool_], allow_nan: bool, what: str, rule: str) -> None:
    """Raise unless every entry is ``ok`` (or NaN, when NaN is allowed)."""
    if bool(np.all(ok)):
        return
    nan = np.isnan(values)
    bad = ~ok & ~nan if allow_nan else ~ok
    if bool(np.any(bad)):
        rule_text = rule if allow_nan or not bool(np.any(nan & bad)) else f"{rule} (NaN is not allowed here)"
        raise_invalid(values, bad, what, rule_text)


def validate_decimal(decimal_odds: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Return ``decimal_odds`` as a float64 array after checking ``1 < d < ∞`` for every entry.

    Raises ``ValueError("invalid decimal odds 0.95 at index (3, 1): must be a finite number > 1")`` for the
    first offending entry; NaN is accepted (and kept) only with ``allow_nan=True``, for right-padded batches.
    """
    d = _as_float(decimal_odds)
    # d > 1 is False for NaN, so one comparison pass covers the common all-valid case.
    check_values(d, (d > 1.0) & (d < math.inf), allow_nan, "decimal odds", "must be a finite number > 1")
    return d


def decimal_from_american(american: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """American → decimal: ``a ≥ +100 → 1 + a/100``, ``a ≤ −100 → 1 + 100/|a|``.

    ``−100 < a < +100`` is not a valid American price (``+100`` and ``−100`` both mean evens, decimal 2.0).
    Source: standard US convention, e.g. Crazy Ninja Odds' odds-conversion guide; penaltyblog ``OddsInput``.
    """
    a = _as_float(american)
    check_values(
        a, (np.abs(a) >= 100.0) & np.isfinite(a), allow_nan, "American odds", "must be ≤ −100 or ≥ +100"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, 1.0 + a / 100.0, 1.0 + 100.0 / np.abs(a))


def american_from_decimal(decimal_odds: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Decimal → American: ``d ≥ 2 → +100(d − 1)``, ``d < 2 → −100/(d − 1)``.

    Returns raw floats (1.05 → −1999.9999999999982 because 1.05 is not exact in binary); use
    :func:`format_american` to display. Source: inverse of :func:`decimal_from_american`.
    """
    d = validate_decimal(decimal_odds, allow_nan=allow_nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d >= 2.0, 100.0 * (d - 1.0), -100.0 / (d - 1.0))


def format_american(american: float) -> str:
    """Display an American price the way bettors read it: nearest integer with sign (``+150``, ``-110``)."""
    if math.isnan(american):
        return "n/a"
    rounded = round(american)
    if abs(rounded) <= 100:  # evens is written +100 (also when float noise gives -100.0000001)
        rounded = 100
    return f"{rounded:+d}"


def decimal_from_fractional(
    numerator: ArrayLike, denominator: ArrayLike, *, allow_nan: bool = False
) -> FloatArray:
    """Fractional (UK) ``n/k`` → decimal ``1 + n/k``; needs ``n > 0`` and ``k > 0``. Source: UK convention."""
    n = _as_float(numerator)
    k = _as_float(denominator)
    n, k = np.broadcast_arrays(n, k)
    check_values(
        n, (n > 0) & np.isfinite(n), allow_nan, "fractional odds numerator", "must be a finite number > 0"
    )
    check_values(
        k, (k > 0) & np.isfinite(k), allow_nan, "fractional odds denominator", "must be a finite number > 0"
    )
    return 1.0 + n / k


def fractional_from_decimal(
    decimal_odds: ArrayLike, max_denominator: int = 1000
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Decimal → fractional ``(n, k)``: the fraction closest to ``d − 1`` with ``k ≤ max_denominator``.

    For display only, so it loops in Python over ``fractions.Fraction.limit_denominator`` (best rational
    approximation by continued fractions). 2.5 → (3, 2); 1.909090… → (10, 11).
    """
    if max_denominator < 1:
        raise ValueError(f"max_denominator must be ≥ 1, got {max_denominator}")
    d = validate_decimal(decimal_odds)
    num = np.empty(d.shape, dtype=np.int64)
    den = np.empty(d.shape, dtype=np.int64)
    for index, value in np.ndenumerate(d):
        frac = Fraction(float(value) - 1.0).limit_denominator(max_denominator)
        if frac == 0:  # d barely above 1: show the smallest representable price rather than 0/1
            frac = Fraction(1, max_denominator)
        num[index], den[index] = frac.numerator, frac.denominator
    return num, den


def decimal_from_hong_kong(hong_kong: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Hong Kong odds ``h`` (net profit per unit, ``h > 0``) → decimal ``1 + h``."""
    h = _as_float(hong_kong)
    check_values(h, (h > 0) & np.isfinite(h), allow_nan, "Hong Kong odds", "must be a finite number > 0")
    return 1.0 + h


def hong_kong_from_decimal(decimal_odds: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Decimal → Hong Kong ``d − 1``."""
    return validate_decimal(decimal_odds, allow_nan=allow_nan) - 1.0


def decimal_from_implied(probability: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Implied probability ``p`` (``0 < p < 1``) → decimal ``1/p``."""
    p = _as_float(probability)
    check_values(p, (p > 0) & (p < 1), allow_nan, "implied probability", "must be in (0, 1)")
    return 1.0 / p


def implied_from_decimal(decimal_odds: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Decimal → implied probability ``π = 1/d`` (still including the bookmaker's margin)."""
    return 1.0 / validate_decimal(decimal_odds, allow_nan=allow_nan)


def net_of_commission(decimal_odds: ArrayLike, commission: ArrayLike) -> FloatArray:
    """What a backer really receives where ``c`` is charged on net winnings: ``1 + (d − 1)(1 − c)``.

    Written as ``d − (d − 1)c`` so that ``c = 0`` returns ``d`` bit for bit. ``0 ≤ c < 1``; NaN passes.
    Source: Betfair/Smarkets/Matchbook commission rules (commission is charged on net market winnings).
    """
    d = validate_decimal(decimal_odds, allow_nan=True)
    c = _as_float(commission)
    check_values(c, (c >= 0) & (c < 1), False, "commission", "must be in [0, 1)")
    return d - (d - 1.0) * c


_MINUS_SIGNS = ("-", "−", "–")  # ASCII hyphen, Unicode minus, en dash (copied from web pages)
_EVENS = {"evens", "even", "evs", "ev"}


def parse_odds(text: str) -> float:
    """Parse one price written the way bettors write it and return decimal odds.

    Rules, in order:

    * starts with ``+`` or ``-`` → American (``+150`` → 2.5, ``-110`` → 1.909…, ``±100`` → 2.0);
    * contains ``/`` → fractional (``5/2`` → 3.5); ``evens`` → 2.0;
    * ends with ``%`` → implied probability in percent (``40%`` → 2.5);
    * otherwise → decimal (``2.5``); a bare number must be > 1, so ``0.4`` is refused rather than guessed.

    Raises ``ValueError`` saying what is wrong with ``text``.
    """
    raw = text
    text = text.strip().replace(" ", "")
    if not text:
        raise ValueError("empty odds: expected e.g. +150, -110, 2.5 or 5/2")
    try:
        if text[0] in _MINUS_SIGNS or text[0] == "+":
            sign = -1.0 if text[0] in _MINUS_SIGNS else 1.0
            value = sign * _finite(text[1:])
            if abs(value) < 100:
                raise ValueError("American odds must be ≤ -100 or ≥ +100")
            return float(decimal_from_american(value))
        if text.lower() in _EVENS:
            return 2.0
        if "/" in text:
            num_text, _, den_text = text.partition("/")
            num, den = _finite(num_text), _finite(den_text)
            if num <= 0 or den <= 0:
                raise ValueError("fractional odds need a positive numerator and denominator")
            return 1.0 + num / den
        if text.endswith("%"):
            percent = _finite(text[:-1])
            if not 0 < percent < 100:
                raise ValueError("an implied probability must be between 0% and 100%")
            return 100.0 / percent
        value = _finite(text)
        if value <= 1:
            raise ValueError("decimal odds must be > 1 (write American odds with a sign, e.g. +150)")
        return value
    except ValueError as exc:
        raise ValueError(f"cannot parse odds {raw!r}: {exc}") from None


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value
