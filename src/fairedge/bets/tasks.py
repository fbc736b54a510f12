"""The bet tracker's job ``tasks.bet_settlement``: final scores asked for where needed, then closing-line
value and settlement of the open bets. Thin and idempotent: a second run finds nothing left to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.bets import service
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock, utcnow
from fairedge.odds.providers.base import ScoresProvider
from fairedge.odds.scores import fetch_final_scores


def bet_settlement(
    factory: sessionmaker[Session],
    *,
    clv: service.ClvRules,
    postponed_hours: float,
    scores_after_hours: float,
    scores_source: Callable[[], ScoresProvider | None] = lambda: None,
    clock: Clock = utcnow,
) -> dict[str, Any]:
    """Ask ``scores_source()`` (when there is one: The Odds API) for the final scores of games with open
    bets that started ``scores_after_hours`` ago and are still not reported finished (a transaction of its
    own: scores stored stay stored); then value the bets whose closing lines are captured and settle those
    whose game finished or was postponed beyond ``postponed_hours``."""
    now = clock()
    scores = 0
    with session_scope(factory) as session:
        waiting = service.waiting_for_scores(session, now=now, after_hours=scores_after_hours)
    source = scores_source() if waiting else None
    if source is not None:
        with session_scope(factory) as session:
            scores = fetch_final_scores(session, source, waiting, now=now)
    with session_scope(factory) as session:
        valued = service.value_open_clv(session, clv)
        report = service.settle_open_bets(session, now=now, postponed_hours=postponed_hours)
    return {"scores": scores, "valued": valued, "settled": report.settled}
