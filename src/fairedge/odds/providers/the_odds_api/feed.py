"""The feed's shared state as the provider sees it: credits spent, quota, each sport's plan, refused keys.

Several processes poll or read the feed (Celery workers, the API's ``/health/odds-feed``, the CLI), so in
production this state lives in the database (``fairedge.odds.feed_store.DatabaseFeedStore``); the provider
only knows the :class:`FeedStore` protocol and plain data. :class:`MemoryFeedStore` is the in-process one:
tests and a provider built without a database.

**Budget.** A month runs from the reset day (``ODDS_API_RESET_DAY``, UTC) to the same day of the next month;
the provider does not say when its month resets. The day budget is ``ODDS_API_CREDITS_PER_DAY`` or, unset,
what is left of the month spread evenly over the days left in it (today included), so an early burst
cannot starve the rest of the month. ``None`` limits mean no budget of our own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

__all__ = [
    "Budget",
    "CreditLimits",
    "FeedStore",
    "KeyRefusal",
    "MemoryFeedStore",
    "PauseState",
    "Quota",
    "SportPlan",
    "SportState",
    "budget_from",
    "key_ref",
    "period_bounds",
]


def key_ref(key: str) -> str:
    """A name for a key that logs, tables and health may show: a short digest, never the key."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class CreditLimits:
    per_month: int | None = None  # None: no monthly budget of our own
    per_day: int | None = None  # None: the month's remainder over its days left
    reset_day: int = 1  # day of the month (UTC) the provider renews the credits

    def __post_init__(self) -> None:
        if not 1 <= self.reset_day <= 28:
            raise ValueError(f"the reset day must be between 1 and 28, not {self.reset_day}")


def _month_day(year: int, month: int, day: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, day)


def period_bounds(today: date, reset_day: int) -> tuple[date, date]:
    """``[start, end)`` of the credit month holding ``today``."""
    if today.day >= reset_day:
        start = date(today.year, today.month, reset_day)
    else:
        start = _month_day(today.year, today.month - 1, reset_day)
    return start, _month_day(start.year, start.month + 1, reset_day)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Budget:
    """Credits allowed and spent this month and today, as of ``at``."""

    at: datetime
    month_limit: int | None
    month_spent: int
    day_limit: int | None
    day_spent: int
    period_start: date
    period_end: date

    @property
    def month_left(self) -> int | None:
        return None if self.month_limit is None else max(self.month_limit - self.month_spent, 0)

    @property
    def day_left(self) -> int | None:
        return None if self.day_limit is None else max(self.day_limit - self.day_spent, 0)

    @property
    def left(self) -> int | None:
        """What the next call may spend: the smaller of the two, None when neither is limited."""
        lefts = [v for v in (self.month_left, self.day_left) if v is not None]
        return min(lefts) if lefts else None

    def allows(self, cost: int) -> bool:
        left = self.left
        return cost <= 0 or left is None or cost <= left

    def seconds_left(self) -> float:
        """Seconds until the binding budget renews: the next UTC midnight under a day budget."""
        end = (
            midnight(self.at.date() + timedelta(days=1))
            if self.day_limit is not None
            else midnight(self.period_end)
        )
        return max((end - self.at).total_seconds(), 1.0)


def budget_from(limits: CreditLimits, *, month_spent: int, day_spent: int, now: datetime) -> Budget:
    today = now.astimezone(UTC).date()
    start, end = period_bounds(today, limits.reset_day)
    day_limit = limits.per_day
    if day_limit is None and limits.per_month is not None:
        days_left = (end - today).days  # today included
        before_today = month_spent - day_spent
        day_limit = max(limits.per_month - before_today, 0) // max(days_left, 1)
    return Budget(now, limits.per_month, month_spent, day_limit, day_spent, start, end)


@dataclass(frozen=True, slots=True)
class Quota:
    """The quota headers of the last answer that carried them (the provider's own count, per key)."""

    remaining: int | None = None
    used: int | None = None
    last: int | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SportPlan:
    """How often a sport is polled now, and why (``live``, ``soon``, ``idle``, ``no_events``)."""

    sport: str
    cadence_seconds: float  # planned, after any stretch for the budget
    base_cadence_seconds: float  # what the start times alone ask for
    reason: str
    events_soon: int = 0  # starting within the soon window
    events_live: int = 0  # started, not known to be over
    next_commence: datetime | None = None
    cycle_cost: int = 0  # credits one refresh of the sport costs at most


@dataclass(frozen=True, slots=True)
class SportState:
    tracked_since: datetime
    last_refresh_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KeyRefusal:
    reason: str  # the error code: OUT_OF_USAGE_CREDITS, INVALID_KEY…
    at: datetime


@dataclass(frozen=True, slots=True)
class PauseState:
    """Polling is paused while every key is refused; ``refused`` names keys by :func:`key_ref` only."""

    paused_at: datetime | None = None
    reason: str | None = None
    refused: Mapping[str, KeyRefusal] = field(default_factory=dict)
    last_probe_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


class FeedStore(Protocol):
    """Where the feed's state lives; every method is one short, committed unit of work."""

    def budget(self, now: datetime) -> Budget: ...

    def charge(self, now: datetime, credits: int, quota: Quota) -> None:
        """Count ``credits`` spent by one call, and keep its quota headers."""
        ...

    def quota(self) -> Quota: ...

    def sport_states(self) -> Mapping[str, SportState]: ...

    def save_plans(self, plans: Sequence[SportPlan], now: datetime) -> None:
        """The sports polled from now on and their plans (sports no longer polled are dropped)."""
        ...

    def refreshed(self, sport: str, now: datetime) -> None: ...

    def pause_state(self) -> PauseState: ...

    def refuse_key(self, ref: str, reason: str, now: datetime) -> None: ...

    def accept_keys(self, refs: Sequence[str]) -> None:
        """Forget the refusals of these keys (credits back)."""
        ...

    def set_paused(self, reason: str | None, now: datetime) -> None:
        """Pause polling for ``reason`` (kept from the first pause), or, with None, poll again."""
        ...

    def probed(self, now: datetime) -> None: ...

    def resume(self) -> None:
        """The operator's resume: no pause and no refused key (the next call finds out)."""
        ...


class MemoryFeedStore:
    """The feed's state in this process only (tests, a provider without a database)."""

    def __init__(self, limits: CreditLimits | None = None) -> None:
        self.limits = limits or CreditLimits()
        self.spent: dict[date, int] = {}
        self._quota = Quota()
        self.plans: dict[str, SportPlan] = {}
        self._states: dict[str, SportState] = {}
        self._pause = PauseState()

    def budget(self, now: datetime) -> Budget:
        today = now.astimezone(UTC).date()
        start, _end = period_bounds(today, self.limits.reset_day)
        month = sum(c for d, c in self.spent.items() if start <= d <= today)
        return budget_from(self.limits, month_spent=month, day_spent=self.spent.get(today, 0), now=now)

    def charge(self, now: datetime, credits: int, quota: Quota) -> None:
        today = now.astimezone(UTC).date()
        self.spent[today] = self.spent.get(today, 0) + credits
        self._quota = quota

    def quota(self) -> Quota:
        return self._quota

    def sport_states(self) -> Mapping[str, SportState]:
        return dict(self._states)

    def save_plans(self, plans: Sequence[SportPlan], now: datetime) -> None:
        self.plans = {p.sport: p for p in plans}
        self._states = {p.sport: self._states.get(p.sport) or SportState(tracked_since=now) for p in plans}

    def refreshed(self, sport: str, now: datetime) -> None:
        state = self._states.get(sport) or SportState(tracked_since=now)
        self._states[sport] = replace(state, last_refresh_at=now)

    def pause_state(self) -> PauseState:
        return self._pause

    def refuse_key(self, ref: str, reason: str, now: datetime) -> None:
        refused = {**self._pause.refused, ref: KeyRefusal(reason, now)}
        self._pause = replace(self._pause, refused=refused)

    def accept_keys(self, refs: Sequence[str]) -> None:
        refused = {r: v for r, v in self._pause.refused.items() if r not in refs}
        self._pause = replace(self._pause, refused=refused)

    def set_paused(self, reason: str | None, now: datetime) -> None:
        if reason is None:
            self._pause = replace(self._pause, paused_at=None, reason=None)
        elif self._pause.paused_at is None:
            self._pause = replace(self._pause, paused_at=now, reason=reason)

    def probed(self, now: datetime) -> None:
        self._pause = replace(self._pause, last_probe_at=now)

    def resume(self) -> None:
        self._pause = PauseState(last_probe_at=self._pause.last_probe_at)
