"""Opportunities as the API shows them: decimal and American odds, EV in percent, lifespan."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from fairedge.kit.pagination import PageMeta
from fairedge.odds.models import Event, Sport
from fairedge.odds.schemas import EventRef, american
from fairedge.opportunities.models import Opportunity


class OpportunityOut(BaseModel):
    id: int
    kind: Literal["ev", "arbitrage", "middle"]
    active: bool
    event: EventRef
    market: str
    period: str
    outcome: str
    point: float | None
    bookmaker: str
    price_decimal: float
    price_american: float | None
    fair_prob: float | None
    fair_odds_decimal: float | None
    fair_odds_american: float | None
    ev: float
    ev_percent: float
    kelly_fraction: float | None
    devig_method: str | None
    sharp_books: list[str]
    hold: float | None
    quote_age_seconds: float
    first_seen: datetime
    last_seen: datetime
    ended_at: datetime | None
    lifespan_seconds: float
    details: dict[str, Any]

    @classmethod
    def build(cls, opp: Opportunity, event: Event, sport: Sport) -> OpportunityOut:
        fair_odds = 1.0 / opp.fair_prob if opp.kind == "ev" and opp.fair_prob else None
        end = opp.ended_at or opp.last_seen
        return cls(
            id=opp.id,
            kind=opp.kind,
            active=opp.active,
            event=EventRef.build(event, sport),
            market=opp.market_key,
            period=opp.period,
            outcome=opp.outcome,
            point=opp.point,
            bookmaker=opp.bookmaker,
            price_decimal=opp.price,
            price_american=american(opp.price),
            fair_prob=opp.fair_prob,
            fair_odds_decimal=fair_odds,
            fair_odds_american=american(fair_odds),
            ev=opp.ev,
            ev_percent=round(opp.ev * 100, 3),
            kelly_fraction=opp.kelly,
            devig_method=opp.devig_method,
            sharp_books=list(opp.sharp_books),
            hold=opp.hold,
            quote_age_seconds=opp.quote_age_seconds,
            first_seen=opp.first_seen,
            last_seen=opp.last_seen,
            ended_at=opp.ended_at,
            lifespan_seconds=(end - opp.first_seen).total_seconds(),
            details=opp.details,
        )


class OpportunityPage(BaseModel):
    items: list[OpportunityOut]
    page: PageMeta
