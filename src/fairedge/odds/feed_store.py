"""The feed's state in the database, shared by every process: the provider's ``FeedStore``.

Like the secrets store, it owns its small transactions: a credit spent is counted even when the refresh
that spent it fails afterwards, and nothing here waits on a refresh's unit of work. Two workers refreshing
at once may both pass a budget check before either counts its call: the budget can be overrun by one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from fairedge.odds import feed
from fairedge.odds import feed_repository as repo
from fairedge.odds.providers.the_odds_api.feed import (
    Budget,
    CreditLimits,
    KeyRefusal,
    PauseState,
    Quota,
    SportPlan,
    SportState,
)

__all__ = ["DatabaseFeedStore"]


class DatabaseFeedStore:
    def __init__(self, session_factory: sessionmaker[Session], limits: CreditLimits) -> None:
        self._factory = session_factory
        self.limits = limits

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        with self._factory() as session, session.begin():
            yield session

    def budget(self, now: datetime) -> Budget:
        with self._factory() as session:
            return feed.budget(session, self.limits, now)

    def charge(self, now: datetime, credits: int, quota: Quota) -> None:
        with self._unit() as session:
            repo.add_credits(session, now.astimezone(UTC).date(), credits)
            repo.update_state(
                session,
                quota_remaining=quota.remaining,
                quota_used=quota.used,
                quota_last=quota.last,
                quota_at=quota.at,
            )

    def quota(self) -> Quota:
        with self._factory() as session:
            row = repo.read_state(session)
            if row is None:
                return Quota()
            return Quota(row.quota_remaining, row.quota_used, row.quota_last, row.quota_at)

    def sport_states(self) -> Mapping[str, SportState]:
        with self._factory() as session:
            return {
                s.sport_key: SportState(s.tracked_since, s.last_refresh_at) for s in repo.feed_sports(session)
            }

    def save_plans(self, plans: Sequence[SportPlan], now: datetime) -> None:
        rows = [
            {
                "sport_key": p.sport,
                "reason": p.reason,
                "cadence_seconds": p.cadence_seconds,
                "base_cadence_seconds": p.base_cadence_seconds,
                "events_soon": p.events_soon,
                "events_live": p.events_live,
                "next_commence": p.next_commence,
                "cycle_cost": p.cycle_cost,
                "tracked_since": now,
                "planned_at": now,
                "last_refresh_at": None,
            }
            for p in plans
        ]
        with self._unit() as session:
            repo.save_sports(session, rows)

    def refreshed(self, sport: str, now: datetime) -> None:
        with self._unit() as session:
            repo.sport_refreshed(session, sport, now)

    def pause_state(self) -> PauseState:
        with self._factory() as session:
            row = repo.read_state(session)
            if row is None:
                return PauseState()
            refused = {
                ref: KeyRefusal(entry["reason"], datetime.fromisoformat(entry["at"]))
                for ref, entry in (row.refused_keys or {}).items()
            }
            return PauseState(row.paused_at, row.pause_reason, refused, row.last_probe_at)

    def _edit_refused(self, edit: Callable[[dict[str, dict[str, str]]], None]) -> None:
        with self._unit() as session:
            row = repo.state(session, for_update=True)
            refused = dict(row.refused_keys or {})
            edit(refused)
            repo.update_state(session, refused_keys=refused)

    def refuse_key(self, ref: str, reason: str, now: datetime) -> None:
        self._edit_refused(lambda refused: refused.update({ref: {"reason": reason, "at": now.isoformat()}}))

    def accept_keys(self, refs: Sequence[str]) -> None:
        def drop(refused: dict[str, dict[str, str]]) -> None:
            for ref in refs:
                refused.pop(ref, None)

        self._edit_refused(drop)

    def set_paused(self, reason: str | None, now: datetime) -> None:
        with self._unit() as session:
            row = repo.state(session, for_update=True)
            if reason is None:
                if row.paused_at is not None:
                    repo.update_state(session, paused_at=None, pause_reason=None)
            elif row.paused_at is None:
                repo.update_state(session, paused_at=now, pause_reason=reason)

    def probed(self, now: datetime) -> None:
        with self._unit() as session:
            repo.update_state(session, last_probe_at=now)

    def resume(self) -> None:
        with self._unit() as session:
            feed.resume(session)
