"""``/health/odds-feed``: The Odds API feed as it stands (odds/feed.py): each sport's planned cadence and last
successful refresh, stale sports, the credit budget left, the provider's quota headers, the keys by digest
and whether polling is paused (out of credits). Read from the database, so every replica answers the same.

``status``: ``healthy``; ``degraded`` (a sport is stale); ``paused`` (every key out of credits or refused);
``disabled`` (the simulator or a replay: no credits to watch). 200 in every case: only the database makes
``/health`` answer 503, and it is checked there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import utcnow
from fairedge.odds.feed import feed_status
from fairedge.odds.providers.factory import credit_limits

router = APIRouter(tags=["health"])


class OddsFeed:
    """The feed's status from the database, and its gauges: read by /health/odds-feed, /health and the health
    probe, so every API process exports the gauges (quota, budget, pause, stale sports) whichever process
    polls, with nobody calling /health."""

    def __init__(
        self, settings: Settings, session_factory: sessionmaker[Session], keys: Callable[[], Sequence[str]]
    ) -> None:
        self._settings = settings
        self._session_factory = session_factory
        self._keys = keys

    def status(self) -> dict[str, Any]:
        """Raises when the database fails."""
        settings = self._settings
        if settings.odds_provider != "the_odds_api":
            return {
                "status": "disabled",
                "provider": settings.odds_provider,
                "reason": "no The Odds API feed: the simulator or a replay spends no credits",
            }
        keys = self._keys()
        with session_scope(self._session_factory) as session:
            return feed_status(
                session,
                limits=credit_limits(settings),
                keys=keys,
                probe_seconds=settings.ODDS_API_PROBE_SECONDS,
                now=utcnow(),
            )

    def read(self) -> None:
        """The probe's reading: the gauges only."""
        self.status()

    @classmethod
    def of(cls, request: Request) -> OddsFeed:
        runtime = request.app.state.runtime
        return cls(runtime.settings, runtime.session_factory, runtime.odds_api_keys())


def odds_feed_check(request: Request) -> dict[str, Any]:
    try:
        return OddsFeed.of(request).status()
    except Exception as exc:  # the database is down: /health says so and answers 503
        return {"status": "unknown", "provider": "the_odds_api", "error": type(exc).__name__}


async def odds_feed(request: Request) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(odds_feed_check, request)


def health_service_status(result: dict[str, Any]) -> str:
    """The feed as one of /health's service values: a paused feed degrades like a stale sport."""
    status: str = result["status"]
    return "degraded" if status == "paused" else status


@router.get("/health/odds-feed")
async def health_odds_feed(request: Request) -> JSONResponse:
    return JSONResponse(await odds_feed(request))
