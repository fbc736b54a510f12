"""`fairedge price`: fair odds, EV and Kelly for one market typed on the command line, or for a board file.

Register with :func:`register` (or ``app.command("price", context_settings=PRICE_CONTEXT_SETTINGS)``): the
context settings let negative American odds such as ``-170`` through as arguments instead of being read as
options. Without them, put ``--`` before the odds: ``fairedge price -- +150 -170``.
"""

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS, SharpBook, book_weights, parse_sharp_books
from fairedge.pricing.arbitrage import arbitrage_margin, arbitrage_stakes, best_prices
from fairedge.pricing.devig import BASE_METHODS, canonical_method, devig
from fairedge.pricing.ev import ev, hold
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_SHARP, fair_line
from fairedge.pricing.kelly import kelly
from fairedge.pricing.odds import (
    FloatArray,
    american_from_decimal,
    format_american,
    net_of_commission,
    parse_odds,
)

__all__ = ["EXAMPLE_BOARD", "PRICE_CONTEXT_SETTINGS", "price_command", "register"]

PRICE_CONTEXT_SETTINGS: dict[str, Any] = {"ignore_unknown_options": True}
"""Lets ``-170`` reach the odds argument; unknown ``--options`` then fail as unparseable odds (exit 2)."""

EXAMPLE_BOARD: dict[str, Any] = {
    "markets": [
        {
            "name": "Lakers @ Celtics h2h",
            "outcomes": ["Lakers", "Celtics"],
            "books": {
                "pinnacle": [2.1, 1.8],
                "betfair_ex_eu": [2.16, 1.86],
                "draftkings": [2.2, 1.7],
                "fanduel": ["+105", "-125"],
            },
        },
        {
            "name": "Arsenal v Chelsea 1X2",
            "outcomes": ["Arsenal", "Draw", "Chelsea"],
            "books": {
                "pinnacle": [2.05, 3.6, 3.75],
                "williamhill": [2.15, 3.4, 3.3],
                "bet365": [1.98, 3.6, 3.8],
            },
        },
        {
            "name": "Knicks @ Heat h2h",
            "outcomes": ["Knicks", "Heat"],
            "books": {
                "draftkings": ["+110", "-130"],
                "betmgm": ["-105", "-115"],
                "caesars": ["+120", "-140"],
            },
        },
    ]
}


class InputError(ValueError):
    """Bad user input: reported on stderr with exit code 2."""


def price_command(
    odds: Annotated[
        list[str] | None,
        typer.Argument(
            help="One book's prices for every outcome of one market: +150 -170, 2.5 1.6, 5/2, evens, 40%.",
            show_default=False,
        ),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option(
            "--method", "-m", help=f"Devig method, repeatable ({', '.join(BASE_METHODS)}, worst_case)."
        ),
    ] = None,
    bet: Annotated[
        list[str] | None,
        typer.Option("--bet", help="Your price for outcome i, once per outcome in order ('-' skips one)."),
    ] = None,
    board: Annotated[
        Path | None, typer.Option("--board", help="JSON board: {markets: [{name, outcomes, books}]}.")
    ] = None,
    example: Annotated[bool, typer.Option("--example", help="Price the built-in example board.")] = False,
    sharp: Annotated[
        list[str] | None,
        typer.Option("--sharp", help="Sharp book key[:weight[:commission]], repeatable (board mode)."),
    ] = None,
    kelly_fraction: Annotated[
        float, typer.Option("--kelly-fraction", help="Multiply full Kelly by this (0.25 = quarter Kelly).")
    ] = 1.0,
    bankroll: Annotated[float, typer.Option("--bankroll", help="Bankroll for arbitrage stakes.")] = 100.0,
) -> None:
    """Fair odds per devig method, hold, and EV/Kelly of your prices; or a whole board against sharp books."""
    try:
        methods = [canonical_method(m) for m in (method or [])]
        if "blend" in methods:
            raise InputError("method 'blend' needs weights; it is not available on the command line")
        if not 0 < kelly_fraction <= 1:
            raise InputError(f"--kelly-fraction must be in (0, 1], got {kelly_fraction}")
        if not (bankroll > 0 and math.isfinite(bankroll)):
            raise InputError(f"--bankroll must be a positive number, got {bankroll}")
        sources = sum([bool(odds), board is not None, example])
        if sources != 1:
            raise InputError("give exactly one of: odds on the command line, --board FILE, or --example")
        if odds:
            lines = _price_market(odds, methods or [*BASE_METHODS, "worst_case"], bet or [], kelly_fraction)
        else:
            if bet:
                raise InputError("--bet applies to odds given on the command line, not to a board")
            data = EXAMPLE_BOARD if example else _load_board(board)
            books = parse_sharp_books(sharp) if sharp else DEFAULT_SHARP_BOOKS
            lines = _price_board(data, methods or ["shin"], books, kelly_fraction, bankroll)
    except (ValueError, OSError) as exc:  # InputError, parse/validation errors, DevigError, unreadable file
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo("\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add ``price`` to ``app`` with the context settings that let negative American odds through."""
    app.command("price", context_settings=PRICE_CONTEXT_SETTINGS)(price_command)


# ---------------------------------------------------------------------------------------------------------- m


def _parse_all(texts: Sequence[str], what: str) -> list[float]:
    values = []
    for i, text in enumerate(texts, start=1):
        if text.startswith("--"):
            raise InputError(f"unknown option {text!r}")
        try:
            values.append(parse_odds(text))
        except ValueError as exc:
            raise InputError(f"{what} {i}: {exc}") from None
    return values


def _price_market(
    odds: Sequence[str], methods: Sequence[str], bets: Sequence[str], fraction: float
) -> list[str]:
    prices = np.array(_parse_all(odds, "outcome"))
    n = prices.size
    if n < 2:
        raise InputError("a market needs at least two outcomes")
    if bets and len(bets) != n:
        raise InputError(
            f"--bet given {len(bets)} times for {n} outcomes: give one price per outcome ('-' skips)"
        )
    bet_prices = np.array(_bet_values(bets), dtype=np.float64)
    names = [f"#{i}" for i in range(1, n + 1)]
    lines = [
        f"Market: {n} outcomes, hold {_pct(float(hold(prices)))}",
        "",
        *_table(
            ["outcome", "odds", "decimal", "American", "implied"],
            [
                [name, text, f"{d:.3f}", format_american(float(a)), _pct(1 / d)]
                for name, text, d, a in zip(names, odds, prices, american_from_decimal(prices), strict=True)
            ],
        ),
        "",
    ]
    fair = {m: devig(prices, m, on_error="nan") for m in methods}
    header = ["method"] + [f"{name} {col}" for name in names for col in ("fair", "decimal", "US")]
    rows = []
    for m, p in fair.items():
        rows.append([m] + [cell for q in p for cell in _fair_cells(float(q))])
    lines += _table(header, rows)
    if any(np.isnan(p).any() for p in fair.values()):
        lines.append("n/a: the method has no solution for these prices (e.g. Shin on an arbitrage book).")
    if bets:
        lines += [
            "",
            "Your prices: "
            + "  ".join(f"{n_} {_odds_text(b)}" for n_, b in zip(names, bet_prices, strict=True)),
        ]
        header = ["method"] + [f"{name} {col}" for name in names for col in ("EV", "Kelly")]
        rows = []
        for m, p in fair.items():
            values = ev(p, bet_prices)
            stakes = kelly(p, bet_prices, fraction=fraction)
            rows.append(
                [m] + [c for e, k in zip(values, stakes, strict=True) for c in (_pct(e, sign=True), _pct(k))]
            )
        lines += _table(header, rows)
        if fraction != 1.0:
            lines.append(f"Kelly shown × {fraction:g}.")
    return lines


def _bet_values(bets: Sequence[str]) -> list[float]:
    return [math.nan if b.strip() in ("-", "x") else _parse_all([b], "--bet")[0] for b in bets]


# -----------------------------------------------------------------------------------------------------------


def _load_board(path: Path | None) -> dict[str, Any]:
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


def _board_arrays(
    data: dict[str, Any],
) -> tuple[list[str], list[list[str]], list[str], FloatArray, np.ndarray[Any, np.dtype[np.intp]]]:
    markets = data.get("markets")
    if not isinstance(markets, list) or not markets:
        raise InputError("board: 'markets' must be a non-empty list")
    names: list[str] = []
    outcomes: list[list[str]] = []
    book_keys: list[str] = []
    rows: list[list[float]] = []
    index: list[int] = []
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
        names.append(str(market.get("name", f"market {m + 1}")))
        outcomes.append(labels)
        for key, prices in books.items():
            if not isinstance(prices, list) or len(prices) != len(labels):
                raise InputError(f"{where}.books.{key} must list {len(labels)} prices, one per outcome")
            rows.append([_board_price(p, f"{where}.books.{key}[{i}]") for i, p in enumerate(prices)])
            book_keys.append(str(key))
            index.append(m)
    width = max(len(o) for o in outcomes)
    odds = np.full((len(rows), width), np.nan)
    for r, row in enumerate(rows):  # building input arrays from JSON, not pricing
        odds[r, : len(row)] = row
    return names, outcomes, book_keys, odds, np.array(index, dtype=np.intp)


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


def _price_board(
    data: dict[str, Any],
    methods: Sequence[str],
    sharp_books: Sequence[SharpBook],
    fraction: float,
    bankroll: float,
) -> list[str]:
    names, outcomes, book_keys, odds, index = _board_arrays(data)
    n_markets = len(names)
    weights, commission = book_weights(book_keys, sharp_books)
    lines = [f"Sharp books: {', '.join(f'{b.key} ({b.weight:g})' for b in sharp_books)}", ""]
    lines.append(f"EV and Kelly against the {methods[0]} fair line; exchange prices net of commission.")
    lines.append("")
    fair = {
        m: fair_line(odds, index, weights, n_markets=n_markets, method=m, commission=commission)
        for m in methods
    }
    primary = fair[methods[0]]
    net = net_of_commission(odds, commission[:, np.newaxis])
    prob_rows = primary.prob[index]
    values = ev(prob_rows, net)
    stakes = kelly(prob_rows, odds, commission=commission[:, np.newaxis], fraction=fraction)
    holds = hold(odds)
    best, best_row = best_prices(net, index, n_markets=n_markets)
    for m, name in enumerate(names):
        labels = outcomes[m]
        k = len(labels)
        source = int(primary.source[m])
        used = int(primary.books_used[m])
        origin = {
            SOURCE_SHARP: f"{used} sharp book(s)",
            SOURCE_CONSENSUS: f"consensus of {used} book(s)",
        }.get(source, "no usable book")
        lines += [f"== {name} — fair line from {origin}", ""]
        header = ["method"] + [f"{label} {col}" for label in labels for col in ("fair", "decimal", "US")]
        lines += _table(
            header,
            [
                [meth] + [c for q in line.prob[m, :k] for c in _fair_cells(float(q))]
                for meth, line in fair.items()
            ],
        )
        lines.append("")
        header = ["book", "hold"] + [f"{label} {col}" for label in labels for col in ("odds", "EV", "Kelly")]
        table_rows = []
        for r in np.flatnonzero(index == m).tolist():
            cells = [book_keys[r], _pct(float(holds[r]))]
            for j in range(k):
                mark = "*" if values[r, j] > 0 else ""
                cells += [_odds_text(float(odds[r, j])), _pct(float(values[r, j]), sign=True) + mark]
                cells.append(_pct(float(stakes[r, j])))
            table_rows.append(cells)
        lines += _table(header, table_rows)
        margin = float(arbitrage_margin(best[m, :k]))
        if margin > 0:
            plan = arbitrage_stakes(best[m, :k], bankroll, stake_unit=0.01)
            legs = ", ".join(
                f"{labels[j]} {plan.stakes[j]:.2f} at {best[m, j]:.3f} ({book_keys[int(best_row[m, j])]})"
                for j in range(k)
            )
            lines.append(
                f"ARBITRAGE: margin {_pct(margin)}; stakes for {bankroll:.2f}: {legs}; "
                f"guaranteed profit {plan.guaranteed_profit:.2f} ({_pct(plan.roi)})"
            )
        lines.append("")
    lines.append("* = positive EV against the fair line.")
    return lines


# ------------------------------------------------------------------------------------------------------ forma


def _pct(value: float, *, sign: bool = False) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{100 * value:+.2f}%" if sign else f"{100 * value:.2f}%"


def _odds_text(decimal_odds: float) -> str:
    if math.isnan(decimal_odds):
        return "-"
    return f"{decimal_odds:.3f} ({format_american(float(american_from_decimal(decimal_odds)))})"


def _fair_cells(prob: float) -> list[str]:
    if math.isnan(prob) or prob <= 0:
        return ["n/a", "n/a", "n/a"]
    decimal_odds = 1.0 / prob
    return [_pct(prob), f"{decimal_odds:.3f}", format_american(float(american_from_decimal(decimal_odds)))]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Plain-text table: first column left-aligned, the rest right-aligned, two spaces between columns."""
    widths = [max(len(str(row[c])) for row in [header, *rows]) for c in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(cell).rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
