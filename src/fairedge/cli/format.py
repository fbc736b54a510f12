"""How the CLI reads rates and shows tables: one place for every command."""

from __future__ import annotations

from collections.abc import Sequence

import typer


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
    """A fraction as a percent for a person to read; '-' when there is none."""
    if value is None:
        return "-"
    return f"{value * 100:+.{digits}f}%" if sign else f"{value * 100:.{digits}f}%"


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
