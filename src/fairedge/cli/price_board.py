"""``fairedge price --board``: a whole board of books priced against the sharp books' fair line.

The board goes through the same builder as the scan and the event board (:mod:`fairedge.odds.board`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fairedge.cli.format import InputError, fair_cells, odds_text, percent, table
from fairedge.odds.board import BookFacts, build_quotes, fair_lines
from fairedge.odds.bookmakers import SharpBook, book_weights
from fairedge.pricing.arbitrage import arbitrage_margin, arbitrage_stakes, best_prices
from fairedge.pricing.ev import ev, hold
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_SHARP
from fairedge.pricing.kelly import kelly
from fairedge.pricing.odds import parse_odds


def load_board(path: Path | None) -> dict[str, Any]:
    assert path is not None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"board file {str(path)!r} not found") from None
    except IsADirectoryError:
        raise InputError(f"board file {str(path)!r} is a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read board file {str(path)!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"board file {str(path)!r} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"board file {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise InputError('board: the top level must be an object like {"markets": [...]}')
    return data


@dataclass(frozen=True)
class BoardInput:
    """A JSON board as the shared board builder's columns: one entry per quoted price."""

    names: list[str]  # market names, by market id
    outcomes: list[list[str]]  # outcome labels, by market id
    book_keys: list[str]  # by bookmaker id
    market: list[int]
    book: list[int]
    outcome: list[int]
    price: list[float]


def _board_columns(data: dict[str, Any]) -> BoardInput:
    markets = data.get("markets")
    if not isinstance(markets, list) or not markets:
        raise InputError("board: 'markets' must be a non-empty list")
    board = BoardInput([], [], [], [], [], [], [])
    book_ids: dict[str, int] = {}
    for m, market in enumerate(markets):
        where = f"board: markets[{m}]"
        if not isinstance(market, dict):
            raise InputError(f"{where} must be an object with name, outcomes and books")
        labels = market.get("outcomes")
        if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(o, str) for o in labels):
            raise InputError(f"{where}.outcomes must be a list of at least two names")
        books = market.get("books")
        if not isinstance(books, dict) or not books:
            raise InputError(f"{where}.books must be a non-empty object of book → prices")
        board.names.append(str(market.get("name", f"market {m + 1}")))
        board.outcomes.append(labels)
        for key, prices in books.items():
            if not isinstance(prices, list) or len(prices) != len(labels):
                raise InputError(f"{where}.books.{key} must list {len(labels)} prices, one per outcome")
            book_id = book_ids.setdefault(str(key), len(book_ids))
            for i, value in enumerate(prices):
                price = _board_price(value, f"{where}.books.{key}[{i}]")
                if not math.isnan(price):  # a book that does not price an outcome has no entry
                    board.market.append(m)
                    board.book.append(book_id)
                    board.outcome.append(i)
                    board.price.append(price)
    board.book_keys.extend(book_ids)
    return board


def _board_price(value: object, where: str) -> float:
    if value is None:
        return math.nan  # the book does not price this outcome
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"{where}: expected decimal odds or a price string, got {value!r}")
    if not isinstance(value, str):  # JSON numbers are decimal odds; other formats come as strings
        if not (math.isfinite(value) and value > 1):
            raise InputError(f'{where}: decimal odds must be > 1, got {value!r} (write "-110" for American)')
        return float(value)
    try:
        return parse_odds(value)
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def price_board(
    data: dict[str, Any],
    methods: Sequence[str],
    sharp_books: Sequence[SharpBook],
    kelly_multiplier: float,
    bankroll: float,
) -> list[str]:
    board = _board_columns(data)
    weights, commission = book_weights(board.book_keys, sharp_books)
    books = BookFacts.build(
        (i, key, float(weights[i]), float(commission[i])) for i, key in enumerate(board.book_keys)
    )
    every_price = np.zeros(len(board.price))  # a file has no ages: every quote counts
    quotes = build_quotes(
        board.market, board.book, board.outcome, board.price, confirmed_at=every_price, books=books
    )
    lines = [f"Sharp books: {', '.join(f'{b.key} ({b.weight:g})' for b in sharp_books)}", ""]
    lines.append(f"EV and Kelly against the {methods[0]} fair line; exchange prices net of commission.")
    lines.append("")
    fair = {m: fair_lines(quotes, books, method=m) for m in methods}
    primary = fair[methods[0]]
    row_commission = books.commission[quotes.book]
    prob_rows = primary.prob[quotes.market_index]
    values = ev(prob_rows, quotes.net)
    stakes = kelly(
        prob_rows, quotes.odds, commission=row_commission[:, np.newaxis], multiplier=kelly_multiplier
    )
    holds = hold(quotes.odds)
    best, best_row = best_prices(quotes.net, quotes.market_index, n_markets=quotes.n_markets)
    for i, m in enumerate(quotes.market_ids.tolist()):
        labels = board.outcomes[m]
        k = len(labels)
        used = int(primary.books_used[i])
        origin = {
            SOURCE_SHARP: f"{used} sharp book(s)",
            SOURCE_CONSENSUS: f"consensus of {used} book(s)",
        }.get(int(primary.source[i]), "no usable book")
        lines += [f"== {board.names[m]} — fair line from {origin}", ""]
        header = ["method"] + [f"{label} {col}" for label in labels for col in ("fair", "decimal", "US")]
        lines += table(
            header,
            [
                [meth] + [c for q in line.prob[i, :k] for c in fair_cells(float(q))]
                for meth, line in fair.items()
            ],
        )
        lines.append("")
        header = ["book", "hold"] + [f"{label} {col}" for label in labels for col in ("odds", "EV", "Kelly")]
        table_rows = []
        for r in np.flatnonzero(quotes.market_index == i).tolist():
            cells = [books.key[int(quotes.book[r])], percent(float(holds[r]))]
            for j in range(k):
                mark = "*" if values[r, j] > 0 else ""
                cells += [odds_text(float(quotes.odds[r, j])), percent(float(values[r, j]), sign=True) + mark]
                cells.append(percent(float(stakes[r, j])))
            table_rows.append(cells)
        lines += table(header, table_rows)
        if float(arbitrage_margin(best[i, :k])) > 0:
            plan = arbitrage_stakes(best[i, :k], bankroll, stake_unit=0.01)
            at = [books.key[int(quotes.book[int(best_row[i, j])])] for j in range(k)]
            legs = ", ".join(
                f"{labels[j]} {plan.stakes[j]:.2f} at {best[i, j]:.3f} ({at[j]})" for j in range(k)
            )
            lines.append(
                f"ARBITRAGE: profit margin {percent(plan.roi)}; stakes for {bankroll:.2f}: {legs}; "
                f"guaranteed profit {plan.guaranteed_profit:.2f}"
            )
        lines.append("")
    lines.append("* = positive EV against the fair line.")
    return lines
