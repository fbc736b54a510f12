"""What the provider asks The Odds API for and how it retries: plain, printable settings (never the key)."""

from __future__ import annotations

from dataclasses import dataclass

from fairedge.odds.providers.the_odds_api.cadence import Cadence

__all__ = ["DEFAULT_BASE_URL", "OddsApiOptions"]

DEFAULT_BASE_URL = "https://api.the-odds-api.com/v4"


@dataclass(frozen=True, slots=True)
class OddsApiOptions:
    """Options of :class:`~fairedge.odds.providers.the_odds_api.TheOddsApiProvider`.

    ``sports`` empty means the active sports without outrights from ``/sports``; listed ``bookmakers`` replace
    ``regions``. Retries: up to ``max_attempts`` per call, full-jitter backoff from ``backoff_seconds``
    doubling up to ``max_backoff_seconds``. ``cadence``: poll each sport on its own plan (``cadence.py``);
    None polls every sport at every fetch. ``probe_seconds``: while every key is out of credits, how often
    the free ``/sports`` call checks whether they are back (and at each reset of the credit month).
    """

    base_url: str = DEFAULT_BASE_URL
    sports: tuple[str, ...] = ()
    regions: tuple[str, ...] = ("us",)
    bookmakers: tuple[str, ...] = ()
    markets: tuple[str, ...] = ("h2h", "spreads", "totals")
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    include_scores: bool = True
    scores_interval_seconds: float = 60.0
    sports_ttl_seconds: float = 3600.0
    probe_seconds: float = 3600.0
    cadence: Cadence | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if self.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, not {self.timeout_seconds}")
        if not self.markets:
            raise ValueError("at least one market is needed (ODDS_MARKETS)")
        if not self.regions and not self.bookmakers:
            raise ValueError("regions or bookmakers are needed (ODDS_REGIONS or ODDS_BOOKMAKERS)")
