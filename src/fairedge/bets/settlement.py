"""How a bet settles on a final score, what it returns, and its closing-line value: pure rules, no I/O.

Grading (full-game markets, the score after overtime as the books grade it):

- ``h2h``: the bet's team wins → win, loses → loss; a tie is a ``push`` on a two-way moneyline (the stake
  comes back) and a ``loss`` on a three-way one, where ``Draw`` is the outcome that wins.
- ``spreads``: the bet's team margin plus its handicap: > 0 win, < 0 loss, = 0 push.
- ``totals``: Over: total − line, Under: line − total; > 0 win, < 0 loss, = 0 push.
- Quarter lines (Asian handicaps and totals at x.25 or x.75) are two half stakes on the neighbouring lines
  (−0.25 is half on 0 and half on −0.5): win + push = ``half_win``, loss + push = ``half_loss``.

Profit per stake ``s`` at decimal odds ``d``: win ``s(d−1)``, half_win ``s(d−1)/2``, push and void ``0``,
half_loss ``−s/2``, loss ``−s``.
"""

from __future__ import annotations

import math

__all__ = ["grade", "is_quarter_line", "price_clv", "prob_clv", "profit", "valid_line"]

WIN, LOSS, PUSH = "win", "loss", "push"
_COMBINED = {
    (WIN, WIN): WIN,
    (LOSS, LOSS): LOSS,
    (PUSH, PUSH): PUSH,
    (WIN, PUSH): "half_win",
    (PUSH, WIN): "half_win",
    (LOSS, PUSH): "half_loss",
    (PUSH, LOSS): "half_loss",
}


def valid_line(point: float) -> bool:
    """A line books offer: a finite multiple of a quarter."""
    return math.isfinite(point) and (point * 4).is_integer()


def is_quarter_line(point: float) -> bool:
    return (point * 4) % 2 == 1


def _sign(value: float) -> str:
    return WIN if value > 0 else LOSS if value < 0 else PUSH


def _line_result(edge: float, point: float) -> str:
    """``edge`` is the result measured so that ``edge + point`` > 0 wins."""
    if is_quarter_line(point):
        return _COMBINED[(_sign(edge + point - 0.25), _sign(edge + point + 0.25))]
    return _sign(edge + point)


def grade(
    market: str,
    outcome: str,
    point: float | None,
    *,
    home_team: str,
    away_team: str,
    home_score: int,
    away_score: int,
    three_way: bool = False,
) -> str:
    """The result of one bet on a final score; ValueError for a market or outcome it cannot grade."""
    if market == "h2h":
        if outcome == "Draw":
            return WIN if home_score == away_score else LOSS
        if outcome not in (home_team, away_team):
            raise ValueError(f"h2h outcome {outcome!r} is neither team nor Draw")
        margin = home_score - away_score if outcome == home_team else away_score - home_score
        if margin == 0:
            return LOSS if three_way else PUSH
        return WIN if margin > 0 else LOSS
    if point is None:
        raise ValueError(f"a {market} bet needs a point")
    if market == "spreads":
        if outcome == home_team:
            return _line_result(home_score - away_score, point)
        if outcome == away_team:
            return _line_result(away_score - home_score, point)
        raise ValueError(f"spreads outcome {outcome!r} is neither team")
    if market == "totals":
        total = home_score + away_score
        if outcome == "Over":
            return _line_result(total, -point)
        if outcome == "Under":
            return _line_result(-total, point)
        raise ValueError(f"totals outcome {outcome!r} is neither Over nor Under")
    raise ValueError(f"market {market!r} does not settle from a final score")


def profit(result: str, stake: float, price: float) -> float:
    """What the bet won (positive) or lost (negative)."""
    if result == WIN:
        return stake * (price - 1.0)
    if result == "half_win":
        return stake * (price - 1.0) / 2.0
    if result in (PUSH, "void"):
        return 0.0
    if result == "half_loss":
        return -stake / 2.0
    if result == LOSS:
        return -stake
    raise ValueError(f"unknown result {result!r}")


def price_clv(price: float, closing_price: float) -> float:
    """Price CLV: the decimal odds taken over the same book's closing odds at the same point, minus 1
    (0.05: the bet paid 5 % more than the close)."""
    return price / closing_price - 1.0


def prob_clv(price: float, closing_fair_prob: float) -> float:
    """No-vig probability CLV: the sharp closing fair probability of the outcome minus the break-even
    probability of the price taken, 1/d (0.02: two percentage points better than the fair close)."""
    return closing_fair_prob - 1.0 / price
