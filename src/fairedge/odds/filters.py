"""Query filters on the odds models that other domains share: what "sport" and "league" mean."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, or_

from fairedge.odds.models import Sport

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def sport_filter(stmt: S, sport: str | None, league: str | None) -> S:
    """``sport`` matches the group (basketball) or key prefix; ``league`` the sport key or its title (NBA).

    ``stmt`` must select from or join ``sports``.
    """
    if sport:
        stmt = stmt.where(
            or_(func.lower(Sport.group_name) == sport.lower(), Sport.key.startswith(sport.lower() + "_"))
        )
    if league:
        stmt = stmt.where(or_(Sport.key == league, func.lower(Sport.title) == league.lower()))
    return stmt
