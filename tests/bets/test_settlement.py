"""Grading on known final scores (whole, half and quarter lines), profit per result, the CLV formulas."""

from __future__ import annotations

import pytest

from fairedge.bets.settlement import grade, is_quarter_line, price_clv, prob_clv, profit, valid_line


def _grade(
    market: str, outcome: str, point: float | None, home: int, away: int, *, three_way: bool = False
) -> str:
    return grade(
        market,
        outcome,
        point,
        home_team="Knicks",
        away_team="Celtics",
        home_score=home,
        away_score=away,
        three_way=three_way,
    )


@pytest.mark.parametrize(
    ("outcome", "home", "away", "three_way", "expected"),
    [
        ("Knicks", 110, 104, False, "win"),
        ("Celtics", 110, 104, False, "loss"),
        ("Knicks", 2, 2, False, "push"),  # a tie on a two-way moneyline returns the stake
        ("Knicks", 1, 1, True, "loss"),  # three-way: the draw is its own outcome
        ("Draw", 1, 1, True, "win"),
        ("Draw", 2, 1, True, "loss"),
    ],
)
def test_moneyline(outcome: str, home: int, away: int, three_way: bool, expected: str) -> None:
    assert _grade("h2h", outcome, None, home, away, three_way=three_way) == expected


@pytest.mark.parametrize(
    ("outcome", "point", "home", "away", "expected"),
    [
        ("Knicks", -3.5, 110, 104, "win"),  # won by 6
        ("Celtics", 3.5, 110, 104, "loss"),
        ("Knicks", -6.0, 110, 104, "push"),
        ("Celtics", 6.0, 110, 104, "push"),
        ("Knicks", -7.0, 110, 104, "loss"),
        # quarter lines: half on each neighbouring line
        ("Knicks", -5.75, 110, 104, "half_win"),  # -5.5 wins, -6 pushes
        ("Knicks", -6.25, 110, 104, "half_loss"),  # -6 pushes, -6.5 loses
        ("Celtics", 6.25, 110, 104, "half_win"),  # +6 pushes, +6.5 wins
        ("Celtics", 5.75, 110, 104, "half_loss"),
        ("Knicks", -0.25, 1, 1, "half_loss"),  # Asian handicap on a draw: 0 pushes, -0.5 loses
        ("Celtics", 0.25, 1, 1, "half_win"),
        ("Knicks", -0.75, 2, 1, "half_win"),  # by one: -0.5 wins, -1 pushes
        ("Knicks", -0.75, 3, 1, "win"),
        ("Knicks", -0.25, 0, 1, "loss"),
    ],
)
def test_spreads(outcome: str, point: float, home: int, away: int, expected: str) -> None:
    assert _grade("spreads", outcome, point, home, away) == expected


@pytest.mark.parametrize(
    ("outcome", "point", "home", "away", "expected"),
    [
        ("Over", 213.5, 110, 104, "win"),  # 214
        ("Under", 213.5, 110, 104, "loss"),
        ("Over", 214.0, 110, 104, "push"),
        ("Under", 214.5, 110, 104, "win"),
        ("Over", 2.25, 1, 1, "half_loss"),  # 2 pushes, 2.5 loses
        ("Under", 2.25, 1, 1, "half_win"),
        ("Over", 2.75, 2, 1, "half_win"),  # 3: 2.5 wins, 3 pushes
        ("Under", 2.75, 2, 1, "half_loss"),
        ("Over", 2.75, 3, 1, "win"),
        ("Under", 1.75, 0, 1, "win"),
    ],
)
def test_totals(outcome: str, point: float, home: int, away: int, expected: str) -> None:
    assert _grade("totals", outcome, point, home, away) == expected


@pytest.mark.parametrize(
    ("market", "outcome", "point", "message"),
    [
        ("h2h", "Lakers", None, "neither team"),
        ("spreads", "Over", -3.5, "neither team"),
        ("spreads", "Knicks", None, "needs a point"),
        ("totals", "Knicks", 210.5, "neither Over nor Under"),
        ("player_points", "Over", 20.5, "does not settle"),
    ],
)
def test_what_cannot_be_graded_says_why(market: str, outcome: str, point: float | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _grade(market, outcome, point, 100, 90)


@pytest.mark.parametrize(
    ("result", "expected"),
    [("win", 91.0), ("half_win", 45.5), ("push", 0.0), ("void", 0.0), ("half_loss", -50.0), ("loss", -100.0)],
)
def test_profit_per_result(result: str, expected: float) -> None:
    assert profit(result, 100.0, 1.91) == pytest.approx(expected)


def test_profit_of_an_unknown_result_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown result"):
        profit("cashout", 10.0, 2.0)


def test_lines() -> None:
    assert valid_line(-3.5) and valid_line(2.25) and valid_line(0.0)
    assert not valid_line(2.3) and not valid_line(float("inf")) and not valid_line(float("nan"))
    assert is_quarter_line(-0.25) and is_quarter_line(2.75) and is_quarter_line(-6.75)
    assert not is_quarter_line(-3.5) and not is_quarter_line(2.0)


def test_clv_formulas() -> None:
    # took 2.10, the book closed at 2.00: 5 % more than the close
    assert price_clv(2.10, 2.00) == pytest.approx(0.05)
    assert price_clv(1.90, 2.00) == pytest.approx(-0.05)
    # took 2.10 (break-even 47.62 %); the sharp close says 50 %: 2.38 points better
    assert prob_clv(2.10, 0.50) == pytest.approx(0.5 - 1 / 2.10)
    assert prob_clv(1.80, 0.50) < 0
