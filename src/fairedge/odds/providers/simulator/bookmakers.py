"""The simulated bookmakers (keys, titles and regions as The Odds API uses them) and their behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["BOOKMAKERS", "BookSpec", "Rounding", "book_table"]

Rounding = Literal["dec2", "dec3", "ladder"]


@dataclass(frozen=True, slots=True)
class BookSpec:
    key: str
    title: str
    region: str
    sharp: bool
    margin: float  # overround added to the implied probabilities: Σ 1/price ≈ 1 + margin
    reprice: float  # probability of repricing an event per fetch (sharps: 1)
    stale: float = 0.0  # probability per fetch that an event's line freezes for 1-5 simulated hours
    shade: float = 0.0  # probability, per repriced market, of shading one side
    off_point: float = 0.0  # probability of sitting off the sharp point when (re)choosing one
    rounding: Rounding = "dec2"
    markets: tuple[str, ...] | None = None  # None: every market of the sport
    us_coverage: float = 1.0  # share of US-league events quoted
    soccer_coverage: float = 1.0


BOOKMAKERS: tuple[BookSpec, ...] = (
    BookSpec("pinnacle", "Pinnacle", "eu", True, 0.024, 1.0, rounding="dec3"),
    BookSpec("betfair_ex_eu", "Betfair", "eu", True, 0.02, 1.0, rounding="ladder", markets=("h2h",),
             us_coverage=0.9),
    BookSpec("lowvig", "LowVig.ag", "us", True, 0.021, 1.0, soccer_coverage=0.8),
    BookSpec("betonlineag", "BetOnline.ag", "us", True, 0.025, 1.0, soccer_coverage=0.85),
    BookSpec("matchbook", "Matchbook", "uk", True, 0.02, 1.0, rounding="ladder", markets=("h2h",),
             us_coverage=0.6),
    BookSpec("draftkings", "DraftKings", "us", False, 0.047, 0.55, 0.02, 0.05, 0.35, soccer_coverage=0.9),
    BookSpec("fanduel", "FanDuel", "us", False, 0.045, 0.6, 0.02, 0.05, 0.3, soccer_coverage=0.9),
    BookSpec("betmgm", "BetMGM", "us", False, 0.052, 0.4, 0.03, 0.07, 0.4, soccer_coverage=0.85),
    BookSpec("williamhill_us", "Caesars", "us", False, 0.05, 0.4, 0.03, 0.06, 0.4, soccer_coverage=0.85),
    BookSpec("betrivers", "BetRivers", "us", False, 0.058, 0.3, 0.04, 0.08, 0.45, soccer_coverage=0.8),
    BookSpec("bovada", "Bovada", "us", False, 0.055, 0.3, 0.05, 0.1, 0.45, soccer_coverage=0.9),
    BookSpec("unibet_eu", "Unibet", "eu", False, 0.062, 0.4, 0.03, 0.06, 0.35, us_coverage=0.8),
    BookSpec("williamhill", "William Hill", "uk", False, 0.068, 0.35, 0.03, 0.07, 0.35, us_coverage=0.7),
    BookSpec("sport888", "888sport", "uk", False, 0.072, 0.3, 0.04, 0.08, 0.4, us_coverage=0.7),
    BookSpec("pointsbetus", "PointsBet (US)", "us", False, 0.05, 0.35, 0.04, 0.08, 0.4, soccer_coverage=0.7),
    BookSpec("fanatics", "Fanatics", "us", False, 0.054, 0.35, 0.04, 0.07, 0.4, soccer_coverage=0.75),
)  # fmt: skip


def _synthetic_book(number: int) -> BookSpec:
    """Deterministic extra soft books for benchmarks: ``softbook_<number>``."""
    return BookSpec(
        key=f"softbook_{number}",
        title=f"Softbook {number}",
        region="us",
        sharp=False,
        margin=0.042 + 0.006 * (number % 7),
        reprice=0.3 + 0.05 * (number % 5),
        stale=0.03,
        shade=0.06,
        off_point=0.4,
    )


def book_table(n_books: int | None) -> tuple[BookSpec, ...]:
    if n_books is None:
        return BOOKMAKERS
    if n_books < 1:
        raise ValueError("n_books must be at least 1")
    if n_books <= len(BOOKMAKERS):
        return BOOKMAKERS[:n_books]
    extra = tuple(_synthetic_book(i) for i in range(len(BOOKMAKERS) + 1, n_books + 1))
    return BOOKMAKERS + extra
