"""`fairedge price`: fair odds, EV and Kelly for one market typed on the command line (boards: price_board).

Register with :func:`register` (or ``app.command("price", context_settings=PRICE_CONTEXT_SETTINGS)``): the
context settings let negative American odds such as ``-170`` through as arguments instead of being read as
options. Without them, put ``--`` before the odds: ``fairedge price -- +150 -170``.
"""

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from fairedge.cli.format import InputError, fair_cells, odds_text, percent, table
from fairedge.cli.price_board import load_board, price_board
from fairedge.odds.bookmakers import DEFAULT_SHARP_BOOKS, parse_sharp_books
from fairedge.pricing.devig import BASE_METHODS, canonical_method, devig
from fairedge.pricing.ev import ev, hold
from fairedge.pricing.kelly import kelly
from fairedge.pricing.odds import american_from_decimal, format_american, parse_odds

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
    kelly_multiplier: Annotated[
        float,
        typer.Option("--kelly-multiplier", help="Multiplier of full Kelly (0.25 = quarter Kelly)."),
    ] = 1.0,
    bankroll: Annotated[float, typer.Option("--bankroll", help="Bankroll for arbitrage stakes.")] = 100.0,
) -> None:
    """Fair odds per devig method, hold, and EV/Kelly of your prices; or a whole board against sharp books."""
    try:
        methods = [canonical_method(m) for m in (method or [])]
        if "blend" in methods:
            raise InputError("method 'blend' needs weights; it is not available on the command line")
        if not 0 < kelly_multiplier <= 1:
            raise InputError(f"--kelly-multiplier must be in (0, 1], got {kelly_multiplier}")
        if not (bankroll > 0 and math.isfinite(bankroll)):
            raise InputError(f"--bankroll must be a positive number, got {bankroll}")
        sources = sum([bool(odds), board is not None, example])
        if sources != 1:
            raise InputError("give exactly one of: odds on the command line, --board FILE, or --example")
        if odds:
            lines = _price_market(odds, methods or [*BASE_METHODS, "worst_case"], bet or [], kelly_multiplier)
        else:
            if bet:
                raise InputError("--bet applies to odds given on the command line, not to a board")
            data = EXAMPLE_BOARD if example else load_board(board)
            books = parse_sharp_books(sharp) if sharp else DEFAULT_SHARP_BOOKS
            lines = price_board(data, methods or ["shin"], books, kelly_multiplier, bankroll)
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
    odds: Sequence[str], methods: Sequence[str], bets: Sequence[str], kelly_multiplier: float
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
        f"Market: {n} outcomes, hold {percent(float(hold(prices)))}",
        "",
        *table(
            ["outcome", "odds", "decimal", "American", "implied"],
            [
                [name, text, f"{d:.3f}", format_american(float(a)), percent(1 / d)]
                for name, text, d, a in zip(names, odds, prices, american_from_decimal(prices), strict=True)
            ],
        ),
        "",
    ]
    fair = {m: devig(prices, m, on_error="nan") for m in methods}
    header = ["method"] + [f"{name} {col}" for name in names for col in ("fair", "decimal", "US")]
    rows = []
    for m, p in fair.items():
        rows.append([m] + [cell for q in p for cell in fair_cells(float(q))])
    lines += table(header, rows)
    if any(np.isnan(p).any() for p in fair.values()):
        lines.append("n/a: the method has no solution for these prices (e.g. Shin on an arbitrage book).")
    if bets:
        lines += [
            "",
            "Your prices: "
            + "  ".join(f"{n_} {odds_text(b)}" for n_, b in zip(names, bet_prices, strict=True)),
        ]
        header = ["method"] + [f"{name} {col}" for name in names for col in ("EV", "Kelly")]
        rows = []
        for m, p in fair.items():
            values = ev(p, bet_prices)
            stakes = kelly(p, bet_prices, multiplier=kelly_multiplier)
            rows.append(
                [m]
                + [
                    c
                    for e, k in zip(values, stakes, strict=True)
                    for c in (percent(e, sign=True), percent(k))
                ]
            )
        lines += table(header, rows)
        if kelly_multiplier != 1.0:
            lines.append(f"Kelly shown × {kelly_multiplier:g}.")
    return lines


def _bet_values(bets: Sequence[str]) -> list[float]:
    return [math.nan if b.strip() in ("-", "x") else _parse_all([b], "--bet")[0] for b in bets]
