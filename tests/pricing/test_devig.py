"""Devig: golden values (Crazy Ninja Odds, penaltyblog), the laws as Hypothesis properties, failure modes."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from penaltyblog.implied import calculate_implied
from scipy.special import ndtri

from fairedge.pricing.devig import (
    ALIASES,
    BASE_METHODS,
    METHODS,
    ConvergenceError,
    DevigError,
    canonical_method,
    devig,
)
from fairedge.pricing.odds import american_from_decimal, decimal_from_american, format_american

SINGLE = BASE_METHODS  # the methods whose rows sum to 1

BOOKS = [
    [2.1, 1.8],
    [1.91, 1.91],
    [10.0, 1 + 1 / 30],
    [2.7, 2.3, 4.4],
    [1.5, 4.2, 7.0],
    [3.1, 3.4, 2.45],
    [2.05, 3.6, 3.75],
    [4.2, 4.8, 6.0, 3.0, 8.5],
    [1.25, 6.0, 15.0, 26.0],
]


def fair_american(decimal_odds: list[float], method: str) -> list[str]:
    p = devig(decimal_odds, method)
    return [format_american(float(a)) for a in american_from_decimal(1 / p)]


@pytest.mark.parametrize(
    ("method", "expected"), [("multiplicative", "+968"), ("additive", "+1412"), ("power", "+2192")]
)
def test_crazy_ninja_golden_example(method: str, expected: str) -> None:
    # Crazy Ninja Odds' devigger guide: +900 / −3000.
    odds = decimal_from_american([900, -3000]).tolist()
    assert fair_american(odds, method)[0] == expected


@pytest.mark.parametrize("odds", BOOKS)
@pytest.mark.parametrize(
    ("method", "penaltyblog_method"),
    [
        ("multiplicative", "multiplicative"),
        ("additive", "additive"),
        ("additive", "differential_margin_weighting"),
        ("power", "power"),
        ("shin", "shin"),
        ("odds_ratio", "odds_ratio"),
        ("logarithmic", "logarithmic"),  # penaltyblog's logarithmic is the odds-ratio model
    ],
)
def test_agrees_with_penaltyblog(odds: list[float], method: str, penaltyblog_method: str) -> None:
    expected = calculate_implied(odds, method=penaltyblog_method).probabilities
    np.testing.assert_allclose(devig(odds, method), expected, atol=1e-6)


def test_shin_two_way_matches_the_closed_form_z() -> None:
    # z = M(D² − Π)/(Π(D² − 1)) with D = π₁ − π₂; Shin's formula at that z must give our (additive) answer.
    pi = 1 / np.array([2.3, 1.65])
    booksum, d = pi.sum(), pi[0] - pi[1]
    z = (booksum - 1) * (d * d - booksum) / (booksum * (d * d - 1))
    shin = (np.sqrt(z * z + 4 * (1 - z) * pi * pi / booksum) - z) / (2 * (1 - z))
    np.testing.assert_allclose(devig(1 / pi, "shin"), shin, rtol=1e-12)
    np.testing.assert_allclose(devig(1 / pi, "shin"), devig(1 / pi, "additive"), rtol=1e-15)


def test_shin_three_way_small_margin_reaches_full_precision() -> None:
    # The classic fixed-point iteration is still ~1e-7 off here after 1000 steps; Newton gets 1e-12.
    true = np.array([0.45, 0.30, 0.25])
    odds = 1 / (true * 1.005)
    p = devig(odds, "shin", tol=1e-12)
    assert abs(p.sum() - 1) <= 1e-12
    np.testing.assert_allclose(p, calculate_implied(odds.tolist(), method="shin").probabilities, atol=1e-9)


def test_probit_and_odds_ratio_shift_every_outcome_by_one_constant() -> None:
    for odds in BOOKS:
        pi = 1 / np.array(odds)
        probit = devig(odds, "probit")
        shift = ndtri(pi) - ndtri(probit)
        np.testing.assert_allclose(shift, shift[0], atol=1e-9)
        ratio = devig(odds, "odds_ratio")
        c = (pi / (1 - pi)) / (ratio / (1 - ratio))
        np.testing.assert_allclose(c, c[0], rtol=1e-9)


def test_power_solves_for_one_exponent() -> None:
    for odds in BOOKS:
        pi = 1 / np.array(odds)
        k = np.log(devig(odds, "power")) / np.log(pi)
        np.testing.assert_allclose(k, k[0], rtol=1e-10)
        assert k[0] > 1  # positive margin


def test_worst_case_is_the_per_outcome_minimum() -> None:
    odds = [2.7, 2.3, 4.4]
    each = np.array([devig(odds, m) for m in BASE_METHODS])
    np.testing.assert_array_equal(devig(odds, "worst_case"), each.min(axis=0))
    subset = devig(odds, "worst_case", methods=["shin", "power"])
    np.testing.assert_array_equal(subset, np.minimum(devig(odds, "shin"), devig(odds, "power")))
    assert devig(odds, "worst_case").sum() < 1


def test_blend_is_the_weighted_average() -> None:
    odds = [2.7, 2.3, 4.4]
    blend = devig(odds, "blend", weights={"shin": 3.0, "power": 1.0})
    np.testing.assert_allclose(blend, 0.75 * devig(odds, "shin") + 0.25 * devig(odds, "power"), rtol=1e-15)
    assert blend.sum() == pytest.approx(1, abs=1e-12)
    with pytest.raises(ValueError, match="needs weights"):
        devig(odds, "blend")
    with pytest.raises(ValueError, match="weights must name"):
        devig(odds, "blend", weights={"worst_case": 1.0})


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("logarithmic", "odds_ratio"),
        ("penaltyblog_logarithmic", "odds_ratio"),
        ("buchdahl_logarithmic", "power"),
        ("differential_margin_weighting", "additive"),
        ("normalization", "multiplicative"),
        ("basic", "multiplicative"),
        ("odds-ratio", "odds_ratio"),
        ("Worst-Case", "worst_case"),
        ("SHIN", "shin"),
    ],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert canonical_method(alias) == canonical
    assert set(ALIASES.values()) <= set(METHODS)
    assert "blend" not in METHODS  # needs weights: not selectable by name alone
    assert canonical_method("blend") == "blend"


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown devig method 'fancy'"):
        devig([2.0, 2.0], "fancy")


# ---- failure modes -----------------------------------------------------------------------------------------

ARB = [2.4, 2.5, 7.5]  # Σ1/d = 0.95: an arbitrage book


def test_shin_refuses_an_arbitrage_book() -> None:
    with pytest.raises(DevigError, match=r"negative margin \(an arbitrage book\)"):
        devig(ARB, "shin")
    with pytest.raises(DevigError, match="row 1"):
        devig([[2.7, 2.3, 4.4], ARB], "shin")


def test_on_error_nan_keeps_the_other_rows() -> None:
    batch = np.array([[2.7, 2.3, 4.4], ARB, [2.05, 3.6, 3.75]])
    out = devig(batch, "shin", on_error="nan")
    assert np.isnan(out[1]).all()
    np.testing.assert_allclose(out[[0, 2]], devig(batch[[0, 2]], "shin"), rtol=1e-15)


@pytest.mark.parametrize("method", ["multiplicative", "additive", "power", "odds_ratio", "probit"])
def test_other_methods_handle_an_arbitrage_book(method: str) -> None:
    p = devig(ARB, method)
    assert p.sum() == pytest.approx(1, abs=1e-12)
    assert (p > 1 / np.array(ARB)).all()  # margin < 0: fair probabilities are above the implied ones


def test_additive_refuses_negative_probabilities() -> None:
    longshots = [1.2, 4.5, 20.0, 60.0]  # margin/n = 0.031 > 1/60
    with pytest.raises(DevigError, match="negative probability"):
        devig(longshots, "additive")
    assert np.isnan(devig(longshots, "additive", on_error="nan")).all()
    assert (devig(longshots, "multiplicative") > 0).all()


def test_non_convergence_raises_convergence_error_naming_the_row() -> None:
    batch = [[2.05, 3.6, 3.75], [1.5, 4.2, 7.0]]
    with pytest.raises(ConvergenceError, match="row 0") as info:
        devig(batch, "probit", max_iter=1)
    assert isinstance(info.value, ValueError)
    assert np.isnan(devig(batch, "probit", max_iter=1, on_error="nan")).all()


def test_padding_rows_and_single_prices() -> None:
    batch = np.array([[2.0, 2.0, np.nan], [np.nan, np.nan, np.nan], [1.5, np.nan, np.nan]])
    out = devig(batch, "shin", on_error="nan")
    np.testing.assert_allclose(out[0, :2], [0.5, 0.5])
    assert np.isnan(out[0, 2])
    assert np.isnan(out[1]).all()
    assert np.isnan(out[2]).all()
    with pytest.raises(DevigError, match=r"row 2.*fewer than two priced outcomes"):
        devig(batch, "shin")


def test_invalid_odds_name_index_and_value() -> None:
    batch = np.array([[2.0, 1.8, np.nan], [2.7, 2.3, 4.4], [1.9, 1.9, np.nan], [3.0, 0.95, np.nan]])
    for method in METHODS:
        with pytest.raises(ValueError, match=r"invalid decimal odds 0\.95 at index \(3, 1\)"):
            devig(batch, method)
    with pytest.raises(ValueError, match=r"invalid decimal odds inf at index 1"):
        devig([2.0, math.inf], "power")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="on_error"):
        devig([2.0, 2.0], on_error="ignore")  # type: ignore[arg-type]  # the invalid value under test
    with pytest.raises(ValueError, match=r"methods= applies"):
        devig([2.0, 2.0], "shin", methods=["power"])
    with pytest.raises(ValueError, match=r"1-D .* or 2-D"):
        devig(np.full((2, 2, 2), 2.0))


# ---- laws (Hypothesis) -------------------------------------------------------------------------------------


@st.composite
def books(
    draw: st.DrawFn, min_n: int = 2, max_n: int = 6, margin: tuple[float, float] = (0.0, 0.12)
) -> np.ndarray:
    """One book: true probabilities (each ≥ ~1 %), inflated by a margin, as decimal odds."""
    n = draw(st.integers(min_n, max_n))
    weights = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    true: np.ndarray = weights / weights.sum()
    m = draw(st.floats(*margin))
    implied = true * (1 + m)
    assume(implied.max() < 0.995)
    return 1 / implied


@settings(max_examples=60, deadline=None)
@given(books())
def test_rows_sum_to_one_and_keep_the_order(odds: np.ndarray) -> None:
    implied = 1 / odds
    for method in SINGLE:
        p = devig(odds, method, on_error="nan")
        if np.isnan(p).any():
            assert method == "additive"  # the only method allowed to refuse a positive-margin book
            continue
        assert p.sum() == pytest.approx(1, abs=1e-11), method
        lower = implied[:, None] < implied[None, :]
        assert (p[:, None] <= p[None, :])[lower].all(), method


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.02, 1.0), min_size=2, max_size=6))
def test_no_margin_market_is_unchanged_by_every_method(weights: list[float]) -> None:
    true = np.array(weights) / sum(weights)
    assume(true.max() < 0.995)
    odds = 1 / true
    for method in METHODS:
        np.testing.assert_allclose(devig(odds, method), 1 / odds, atol=1e-12, err_msg=method)


@settings(max_examples=25, deadline=None)
@given(st.lists(books(), min_size=1, max_size=8))
def test_mixed_width_batch_equals_per_row_results(rows: list[np.ndarray]) -> None:
    width = max(len(r) for r in rows)
    batch = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        batch[i, : len(r)] = r
    for method in ("multiplicative", "power", "shin", "odds_ratio", "probit", "additive"):
        out = devig(batch, method, on_error="nan")
        for i, r in enumerate(rows):
            single = devig(r, method, on_error="nan")
            np.testing.assert_allclose(out[i, : len(r)], single, rtol=1e-13, atol=1e-15, err_msg=method)
            assert np.isnan(out[i, len(r) :]).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(books(), min_size=1, max_size=6), st.data())
def test_padding_may_sit_anywhere_in_a_row(rows: list[np.ndarray], data: st.DataObject) -> None:
    width = max(len(r) for r in rows) + 1
    batch = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        cols = sorted(data.draw(st.permutations(range(width)))[: len(r)])
        batch[i, cols] = r
    out = devig(batch, "shin")
    for i, r in enumerate(rows):
        np.testing.assert_allclose(out[i][~np.isnan(batch[i])], devig(r, "shin"), rtol=1e-13)


@settings(max_examples=30, deadline=None)
@given(st.lists(books(min_n=2, max_n=4), min_size=1, max_size=5), st.integers(0, 4), st.integers(0, 3))
def test_invalid_entry_is_reported_at_its_index(rows: list[np.ndarray], row: int, col: int) -> None:
    batch = np.full((len(rows), 4), np.nan)
    for i, r in enumerate(rows):
        batch[i, : len(r)] = r
    row %= len(rows)
    batch[row, col] = 0.9
    with pytest.raises(ValueError, match=rf"invalid decimal odds 0\.9 at index \({row}, {col}\)"):
        devig(batch, "power")


def test_rows_accepted_one_step_early_are_verified_and_resolved() -> None:
    # A deliberately slow (half) Newton step: the early acceptance at |g| ≤ 0.01·√tol leaves |g| ≈ 5e-9 > tol,
    # which the final check must catch and repair by solving those rows again strictly.
    from fairedge.pricing.devig import _solve

    calls: list[int] = []

    def evaluate(theta: np.ndarray, _rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        calls.append(theta.size)
        g = 1.0 - theta
        return g, -0.5 * g

    def probabilities(theta: np.ndarray, _rows: np.ndarray | None) -> np.ndarray:
        return theta[np.newaxis, :]

    start = np.array([0.0, 0.5])
    probs, converged = _solve(
        evaluate, probabilities, start, np.full(2, -10.0), np.full(2, 10.0), 1e-12, 200, bracketed=True
    )
    assert converged.all()
    np.testing.assert_allclose(probs[0], 1.0, atol=1e-12)
    assert len(calls) > 30  # the strict second pass ran
