"""Bets as CSV (RFC 4180 quoting by the csv module; text cells that a spreadsheet would run as a formula are
prefixed with an apostrophe, OWASP's advice against CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fairedge.bets.models import Bet

COLUMNS = (
    "id", "placed_at", "sport", "home_team", "away_team", "commence_time", "market", "period", "outcome",
    "point", "bookmaker", "price_decimal", "stake", "result", "profit", "settled_at", "settled_by",
    "opportunity_id", "ev_at_placement", "closing_price", "clv_price", "price_clv_status",
    "closing_fair_prob", "clv_prob", "prob_clv_status",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return _text(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_csv(bets: Iterable[Bet]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for b in bets:
        row = (
            b.id, b.placed_at, b.sport_key, b.home_team, b.away_team, b.commence_time, b.market_key,
            b.period, b.outcome, b.point, b.bookmaker, b.price, b.stake, b.result, b.profit, b.settled_at,
            b.settled_by, b.opportunity_id, b.ev_at_placement, b.closing_price, b.clv_price,
            b.price_clv_status, b.closing_fair_prob, b.clv_prob, b.prob_clv_status,
        )  # fmt: skip
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
