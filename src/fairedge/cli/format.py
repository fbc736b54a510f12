"""How the CLI reads rates and shows numbers and tables: one place for every command."""

from __future__ import annotations

import math
from collections.abc import Sequence

import typer

from fairedge.pricing.odds import american_from_decimal, format_american


class InputError(ValueError):
    """Bad user input: reported on stderr with exit code 2."""


def parse_rate(text: str, option: str) -> float:
    """A rate as a fraction: ``0.02`` or ``2%`` both mean two percent."""
    value = text.strip()
    try:
        return float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a rate: write a fraction (0.02) or a percent (2%)", param_hint=option
        ) from None


def percent(value: float | None, *, sign: bool = False, digits: int = 2) -> str:
    """A fraction as a percent for a person to read; '-' when there is none, 'n/a' when undefined."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    return f"{value * 100:+.{digits}f}%" if sign else f"{value * 100:.{digits}f}%"


def odds_text(decimal_odds: float) -> str:
    """Decimal odds with their American form: ``2.500 (+150)``."""
    if math.isnan(decimal_odds):
        return "-"
    return f"{decimal_odds:.3f} ({format_american(float(american_from_decimal(decimal_odds)))})"


def fair_cells(prob: float) -> list[str]:
    """A fair probability as three cells: percent, decimal odds, American odds."""
    if math.isnan(prob) or prob <= 0:
        return ["n/a", "n/a", "n/a"]
    decimal_odds = 1.0 / prob
    return [percent(prob), f"{decimal_odds:.3f}", format_american(float(american_from_decimal(decimal_odds)))]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, align: str | None = None) -> list[str]:
    """Plain-text table with a rule under the header, two spaces between columns. ``align`` has one letter
    per column, ``l`` or ``r``; by default the first column is left-aligned and the rest right-aligned."""
    widths = [max(len(str(row[c])) for row in [header, *rows]) for c in range(len(header))]
    sides = align or "l" + "r" * (len(header) - 1)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(cell).ljust(width) if side == "l" else str(cell).rjust(width)
            for cell, width, side in zip(cells, widths, sides, strict=True)
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
