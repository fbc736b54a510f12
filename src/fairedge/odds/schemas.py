"""Odds as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel

from fairedge.kit.pagination import PageMeta
from fairedge.odds.models import Event, Sport
from fairedge.pricing.odds import american_from_decimal


def american(decimal_odds: float | None) -> float | None:
    """American odds for display (one decimal), None where there is no valid price."""
    if decimal_odds is None or not decimal_odds > 1.0:
        return None
    return round(float(american_from_decimal(decimal_odds)), 1)


class SportOut(BaseModel):
    key: str
    sport: str
    league: str
    active: bool
    events: int


class BookmakerOut(BaseModel):
    key: str
    title: str
    region: str | None
    is_sharp: bool
    is_exchange: bool
    commission: float
    sharp_weight: float


class EventRef(BaseModel):
    id: int
    sport: str  # the sport group, e.g. Basketball
    league: str  # the sport key, e.g. basketball_nba
    league_title: str  # e.g. NBA
    home_team: str
    away_team: str
    commence_time: datetime
    status: str

    @classmethod
    def build(cls, event: Event, sport: Sport) -> Self:
        return cls(
            id=event.id,
            sport=sport.group_name,
            league=sport.key,
            league_title=sport.title,
            home_team=event.home_team,
            away_team=event.away_team,
            commence_time=event.commence_time,
            status=event.status,
        )


class EventOut(EventRef):
    provider_id: str
    home_score: int | None
    away_score: int | None
    last_seen_at: datetime

    @classmethod
    def build(cls, event: Event, sport: Sport) -> Self:
        ref = EventRef.build(event, sport)
        return cls(
            **ref.model_dump(),
            provider_id=event.provider_id,
            home_score=event.home_score,
            away_score=event.away_score,
            last_seen_at=event.last_seen_at,
        )


class EventPage(BaseModel):
    items: list[EventOut]
    page: PageMeta


class BookPrice(BaseModel):
    bookmaker: str
    price_decimal: float
    price_american: float | None
    is_best: bool


class BoardOutcomeOut(BaseModel):
    name: str
    point: float | None
    prices: list[BookPrice]
    best_price: float | None
    best_bookmakers: list[str]
    fair_prob: float | None
    fair_odds_decimal: float | None
    fair_odds_american: float | None


class BoardMarketOut(BaseModel):
    market_id: int
    market: str
    period: str
    point: float | None
    player: str | None
    fair_source: str
    sharp_books: list[str]
    outcomes: list[BoardOutcomeOut]
    updated: dict[str, datetime]


class EventBoardOut(BaseModel):
    event: EventOut
    devig_method: str
    markets: list[BoardMarketOut]


class HistoryPointOut(BaseModel):
    price_decimal: float
    price_american: float | None
    first_seen: datetime
    last_seen: datetime | None
    superseded_at: datetime | None


class HistorySeriesOut(BaseModel):
    market_id: int
    market: str
    period: str
    player: str | None
    point: float | None
    bookmaker: str
    outcome: str
    points: list[HistoryPointOut]


class EventHistoryOut(BaseModel):
    event_id: int
    series: list[HistorySeriesOut]


class ClosingPriceOut(BaseModel):
    bookmaker: str
    price_decimal: float
    price_american: float | None
    is_best: bool
    first_seen: datetime  # the first fetch that carried this price
    confirmed_at: datetime  # the last fetch before the start that still carried it


class ClosingOutcomeOut(BaseModel):
    name: str
    point: float | None
    prices: list[ClosingPriceOut]
    best_price: float | None
    fair_prob: float | None
    fair_odds_decimal: float | None
    fair_odds_american: float | None


class ClosingMarketOut(BaseModel):
    market_id: int
    market: str
    period: str
    point: float | None
    player: str | None
    fair_source: str
    sharp_books: list[str]
    outcomes: list[ClosingOutcomeOut]


class EventClosingOut(BaseModel):
    """The closing line: each book's last price before the start and the fair line at that moment.
    ``captured_at`` is null (and ``markets`` empty) until the event has started and been captured."""

    event: EventOut
    devig_method: str
    captured_at: datetime | None
    markets: list[ClosingMarketOut]
