"""Fair line across books: sharp weighting, consensus fallback, dropped rows, commission."""

import numpy as np
import pytest

from fairedge.pricing.devig import devig
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_NONE, SOURCE_SHARP, fair_line, net_of_commission

NAN = np.nan


def test_weighted_average_of_sharp_books() -> None:
    odds = np.array([[2.1, 1.8], [2.0, 1.9], [2.5, 1.5]])
    line = fair_line(odds, [0, 0, 0], [1.0, 0.5, 0.0], n_markets=1, method="multiplicative")
    p = devig(odds, "multiplicative")
    np.testing.assert_allclose(line.prob[0], (p[0] + 0.5 * p[1]) / 1.5, rtol=1e-14)
    assert line.source.tolist() == [SOURCE_SHARP]
    assert line.books_used.tolist() == [2]


def test_consensus_and_none() -> None:
    odds = np.array([[2.1, 1.8, NAN], [2.0, 1.9, NAN], [2.0, 3.5, 4.0]])
    line = fair_line(odds, [0, 0, 1], [0.0, 0.0, 0.0], n_markets=3, method="shin")
    np.testing.assert_allclose(line.prob[0, :2], devig(odds[:2, :2], "shin").mean(axis=0), rtol=1e-14)
    assert np.isnan(line.prob[0, 2])
    assert line.source.tolist() == [SOURCE_CONSENSUS, SOURCE_CONSENSUS, SOURCE_NONE]
    assert line.books_used.tolist() == [2, 1, 0]
    assert np.isnan(line.prob[2]).all()
    np.testing.assert_allclose(np.nansum(line.prob[:2], axis=1), 1.0)


def test_incomplete_and_stale_rows_are_dropped() -> None:
    odds = np.array([[2.0, 3.5, 4.0], [2.1, 3.4, NAN], [2.2, 3.3, 3.6]])
    weights = np.array([0.0, 1.0, 1.0])
    line = fair_line(odds, [0, 0, 0], weights, n_markets=1, age_seconds=[5, 5, 500], max_age_seconds=60)
    # The only sharp rows are partial (row 1) and stale (row 2): consensus of row 0 alone.
    assert line.source.tolist() == [SOURCE_CONSENSUS]
    np.testing.assert_allclose(line.prob[0], devig(odds[0], "shin"), rtol=1e-14)
    fresh = fair_line(odds, [0, 0, 0], weights, n_markets=1)
    np.testing.assert_allclose(fresh.prob[0], devig(odds[2], "shin"), rtol=1e-14)


def test_a_row_the_method_cannot_devig_is_dropped() -> None:
    odds = np.array([[2.4, 2.5, 7.5], [2.0, 3.5, 4.0]])  # row 0 is an arbitrage book: no Shin solution
    line = fair_line(odds, [0, 0], [1.0, 0.5], n_markets=1, method="shin")
    np.testing.assert_allclose(line.prob[0], devig(odds[1], "shin"), rtol=1e-14)
    assert line.books_used.tolist() == [1]


def test_commission_is_removed_before_devigging() -> None:
    odds = np.array([[2.16, 1.86]])
    line = fair_line(odds, [0], [1.0], n_markets=1, method="multiplicative", commission=[0.05])
    np.testing.assert_allclose(
        line.prob[0], devig(net_of_commission(odds, 0.05), "multiplicative")[0], rtol=1e-14
    )


def test_validation() -> None:
    odds = np.array([[2.0, 2.0]])
    with pytest.raises(ValueError, match="market_index values"):
        fair_line(odds, [3], [1.0], n_markets=1)
    with pytest.raises(ValueError, match="weights must be finite"):
        fair_line(odds, [0], [-1.0], n_markets=1)
    with pytest.raises(ValueError, match=r"invalid decimal odds 0\.5 at index \(0, 1\)"):
        fair_line(np.array([[2.0, 0.5]]), [0], [1.0], n_markets=1)
    with pytest.raises(ValueError, match="needs age_seconds"):
        fair_line(odds, [0], [1.0], n_markets=1, max_age_seconds=10)
