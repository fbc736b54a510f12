"""What a plan lets its holder see of the opportunities: one rule for every channel that serves them.

The list (``GET /api/opportunities``), one opportunity, and later the live stream and alerts all ask an
:class:`Entitlement`: a plan applied at one instant. The rules apply in a fixed order, and an opportunity
withheld is counted under the first rule it fails: its scope (kind, market, sport), then the delay (free sees
an opportunity once it has been on the board a while: fewer and later, never nothing), then the cap on
results. The repository turns the same entitlement into query terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from fairedge.billing.plans import ALL_KINDS, Plan

Reason = Literal["kind", "market", "sport", "delay", "cap"]
REASONS: tuple[Reason, ...] = ("kind", "market", "sport", "delay", "cap")  # the order the rules apply in
KIND_NAMES = {"ev": "+EV bets", "arbitrage": "arbitrage", "middle": "middles"}


@dataclass(frozen=True, slots=True)
class Withheld:
    """Opportunities held back from an answer for one reason, and what to tell the reader."""

    reason: Reason
    count: int
    message: str


def _join(names: Iterable[str]) -> str:
    ordered = list(names) or ["none"]
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]


def _duration(seconds: float) -> str:
    if seconds % 60:
        return f"{seconds:g} seconds"
    minutes = int(seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True, slots=True)
class Entitlement:
    """A plan applied at one instant: which opportunities it shows, from when, and how many."""

    plan: Plan
    now: datetime

    @property
    def kinds(self) -> frozenset[str] | None:
        """Kinds shown; None when every kind is (no term needed)."""
        return None if self.plan.kinds >= ALL_KINDS else self.plan.kinds

    @property
    def markets(self) -> frozenset[str] | None:
        return self.plan.markets

    @property
    def sports(self) -> frozenset[str] | None:
        """Sport groups shown, lower case (a group name such as basketball, or a sport key's prefix)."""
        return None if self.plan.sports is None else frozenset(s.lower() for s in self.plan.sports)

    @property
    def seen_by(self) -> datetime | None:
        """Shown only when first seen at or before this instant; None without a delay."""
        if self.plan.delay_seconds <= 0:
            return None
        return self.now - timedelta(seconds=self.plan.delay_seconds)

    @property
    def max_results(self) -> int | None:
        return self.plan.max_results

    def in_sports(self, league: str, sport: str) -> bool:
        """``league`` is the sport key (basketball_nba), ``sport`` its group (Basketball): as the filters."""
        groups = self.sports
        return groups is None or sport.lower() in groups or any(league.startswith(g + "_") for g in groups)

    def withheld(
        self, *, kind: str, market: str, league: str, sport: str, first_seen: datetime
    ) -> Reason | None:
        """The first rule that withholds this opportunity, or None when the plan shows it (the cap aside:
        it bounds a list, not one opportunity)."""
        if self.kinds is not None and kind not in self.kinds:
            return "kind"
        if self.markets is not None and market not in self.markets:
            return "market"
        if not self.in_sports(league, sport):
            return "sport"
        seen_by = self.seen_by
        if seen_by is not None and first_seen > seen_by:
            return "delay"
        return None

    def message(self, reason: Reason) -> str:
        plan = self.plan
        if reason == "kind":
            shown = [KIND_NAMES[k] for k in KIND_NAMES if k in plan.kinds]
            missing = [KIND_NAMES[k] for k in KIND_NAMES if k not in plan.kinds]
            return f"{plan.title} shows {_join(shown)} only; upgrade for {_join(missing)}"
        if reason == "market":
            markets = _join(sorted(plan.markets or ()))
            return f"{plan.title} shows {markets} markets only; upgrade for every market"
        if reason == "sport":
            return f"{plan.title} shows {_join(sorted(plan.sports or ()))} only; upgrade for every sport"
        if reason == "delay":
            return (
                f"{plan.title} shows an opportunity once it has been on the board for "
                f"{_duration(plan.delay_seconds)}; upgrade to see it as soon as it is found"
            )
        return f"{plan.title} shows at most {plan.max_results} opportunities per list; upgrade for all"

    def summary(self, counts: Mapping[str, int]) -> list[Withheld]:
        """Counts by reason as the answer reports them: in the rules' order, only those that withheld any."""
        return [Withheld(r, counts[r], self.message(r)) for r in REASONS if counts.get(r, 0) > 0]
