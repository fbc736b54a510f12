"""How often each sport is polled: from its start times, the provider's update interval and the budget.

The provider refreshes featured markets about every 60 s before a game and 40 s in play: polling faster
buys nothing. The free ``/events`` call gives each sport's start times, and they decide:

- ``live``: events in play and in-play markets configured → ``live_seconds`` (40 s);
- ``soon``: an event starts within ``soon_hours`` → ``prematch_seconds`` (60 s);
- ``idle``: events, all later than that → ``idle_seconds`` (10 min): their prices move slowly;
- ``no_events``: nothing to price → no paid call; ``/events`` is asked again after ``events_ttl_seconds``.

**Budget pace.** At those cadences the sports would spend Σ cost/cadence credits a second; when that is
more than the budget left can pay until it renews (the day's, or the month's without a day budget), every
cadence is stretched by the same factor, so the credits last until the budget renews instead of running
out at breakfast. The hard guard (a call over the budget is skipped) stays behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fairedge.odds.providers.the_odds_api.feed import Budget, SportPlan

__all__ = ["Cadence", "SportCosts", "is_due", "plan_sports"]

DUE_SLACK_SECONDS = 2.0  # a tick that lands a moment early still polls: the job's own start jitters
LIVE_WINDOW = timedelta(days=1)  # a listed event that started longer ago than this is not followed


@dataclass(frozen=True, slots=True)
class Cadence:
    prematch_seconds: float = 60.0
    live_seconds: float = 40.0
    idle_seconds: float = 600.0
    soon_hours: float = 6.0
    events_ttl_seconds: float = 600.0
    inplay_markets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("prematch_seconds", "live_seconds", "idle_seconds", "soon_hours", "events_ttl_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")

    @property
    def soon(self) -> timedelta:
        return timedelta(hours=self.soon_hours)


@dataclass(frozen=True, slots=True)
class SportCosts:
    """Credits of the calls one refresh of a sport makes at most."""

    odds: int  # the featured-markets call (0 when no featured market is configured)
    per_event: int  # one per-event call, for each event starting soon (0 without such markets)
    inplay: int  # the in-play call (0 without in-play markets)

    def cycle(self, *, soon: int, live: int, upcoming: bool) -> int:
        total = self.odds if upcoming else 0
        total += self.per_event * soon
        return total + (self.inplay if live else 0)


def plan_sports(
    starts: Mapping[str, Sequence[datetime]],
    *,
    now: datetime,
    cadence: Cadence,
    costs: SportCosts,
    budget: Budget | None,
) -> list[SportPlan]:
    """One plan per sport of ``starts`` (each sport's event start times from ``/events``)."""
    inplay = bool(cadence.inplay_markets)
    drafts: list[SportPlan] = []
    for sport, commences in starts.items():
        upcoming = sorted(c for c in commences if c > now)
        live = sum(1 for c in commences if now - LIVE_WINDOW < c <= now)
        soon = sum(1 for c in upcoming if c - now <= cadence.soon)
        if live and inplay:
            reason, seconds = "live", cadence.live_seconds
        elif soon:
            reason, seconds = "soon", cadence.prematch_seconds
        elif upcoming:
            reason, seconds = "idle", cadence.idle_seconds
        else:
            reason, seconds = "no_events", cadence.events_ttl_seconds
        cost = costs.cycle(soon=soon, live=bool(live) and inplay, upcoming=bool(upcoming))
        drafts.append(
            SportPlan(
                sport=sport,
                cadence_seconds=seconds,
                base_cadence_seconds=seconds,
                reason=reason,
                events_soon=soon,
                events_live=live,
                next_commence=upcoming[0] if upcoming else None,
                cycle_cost=cost,
            )
        )
    stretch = budget_stretch(drafts, budget)
    if stretch <= 1.0:
        return drafts
    return [
        p if p.cycle_cost == 0 else replace(p, cadence_seconds=round(p.base_cadence_seconds * stretch, 1))
        for p in drafts
    ]


def budget_stretch(plans: Sequence[SportPlan], budget: Budget | None) -> float:
    """The factor every paid cadence is stretched by so the spending rate fits the budget left (≥ 1)."""
    if budget is None or budget.left is None or budget.left <= 0:
        return 1.0  # no budget, or none left: nothing to pace (the guard skips every paid call)
    rate = sum(p.cycle_cost / p.base_cadence_seconds for p in plans)
    affordable = budget.left / budget.seconds_left()
    return max(1.0, rate / affordable)


def is_due(plan: SportPlan, last: datetime | None, now: datetime) -> bool:
    """Whether the sport should be polled now (``last``: its last refresh, or skipped attempt)."""
    if plan.reason == "no_events":
        return False
    if last is None:
        return True
    return (now - last).total_seconds() >= plan.cadence_seconds - DUE_SLACK_SECONDS
