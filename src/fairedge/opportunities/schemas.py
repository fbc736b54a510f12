"""Opportunities as the API shows them: a schema per kind, rates as fractions, ages computed when served."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from fairedge.kit.pagination import PageMeta
from fairedge.odds.models import Event, Sport
from fairedge.odds.schemas import EventRef, american
from fairedge.opportunities.entitlement import Reason, Withheld
from fairedge.opportunities.models import Opportunity


class LegOut(BaseModel):
    bookmaker: str
    market_id: int
    outcome: str
    point: float | None
    price_decimal: float = Field(description="The book's quoted decimal odds.")
    price_american: float | None
    net_price_decimal: float = Field(description="Decimal odds net of exchange commission.")
    stake: float = Field(description="Share of the opportunity's total stake (the legs' stakes sum to 1).")
    payout: float = Field(description="Return per unit of total stake if this leg wins.")

    @classmethod
    def build(cls, leg: dict[str, Any]) -> LegOut:
        return cls(
            bookmaker=leg["bookmaker"],
            market_id=leg["market_id"],
            outcome=leg["outcome"],
            point=leg["point"],
            price_decimal=leg["price"],
            price_american=american(leg["price"]),
            net_price_decimal=leg["net_price"],
            stake=leg["stake"],
            payout=leg["payout"],
        )


class _OpportunityBase(BaseModel):
    id: int
    active: bool
    event: EventRef
    market: str
    period: str
    legs: list[LegOut]
    confirmed_at: datetime = Field(description="When the provider last confirmed the oldest leg's price.")
    quote_age_seconds: float = Field(description="Seconds since confirmed_at, at the moment of this answer.")
    book_updated_at: datetime = Field(description="The oldest leg's own update time as the book reports it.")
    first_seen: datetime
    last_seen: datetime = Field(description="The last scan that found it.")
    ended_at: datetime | None
    end_reason: Literal["gone", "stale", "started"] | None = Field(
        description="gone: no longer found; stale: quotes older than the limit; started: the event began."
    )
    lifespan_seconds: float = Field(description="From first seen to its end, or to now while active.")


class EvBetOut(_OpportunityBase):
    kind: Literal["ev"]
    ev: float = Field(description="Expected profit per unit staked at the net price (0.023 = 2.3 %).")
    fair_prob: float
    fair_odds_decimal: float
    fair_odds_american: float | None
    kelly_fraction: float = Field(description="Full-Kelly share of the bankroll.")
    hold: float = Field(description="The book's margin on this market.")
    devig_method: str
    fair_source: Literal["sharp", "consensus"]
    sharp_books: list[str] = Field(description="Books behind the fair line; empty for a consensus line.")


class ArbitrageOut(_OpportunityBase):
    kind: Literal["arbitrage"]
    profit_margin: float = Field(description="Guaranteed return on the total stake: 1/Σ(1/d) − 1.")


class MiddleOut(_OpportunityBase):
    kind: Literal["middle"]
    ev: float | None = Field(description="Expected profit per unit of total stake; null without fair lines.")
    hit_probability: float | None = Field(description="Chance that both legs win.")
    max_loss: float = Field(description="Share of the total stake lost when one leg wins; ≤ 0 never loses.")
    window: tuple[float, float] = Field(description="Both legs win when low < result < high.")
    axis: Literal["total", "home_margin"]
    devig_method: str
    fair_source: Literal["sharp", "consensus"] | None
    sharp_books: list[str]


OpportunityOut = Annotated[EvBetOut | ArbitrageOut | MiddleOut, Field(discriminator="kind")]


def build(opp: Opportunity, event: Event, sport: Sport, now: datetime) -> EvBetOut | ArbitrageOut | MiddleOut:
    common: dict[str, Any] = {
        "id": opp.id,
        "active": opp.active,
        "event": EventRef.build(event, sport),
        "market": opp.market_key,
        "period": opp.period,
        "legs": [LegOut.build(leg) for leg in opp.legs],
        "confirmed_at": opp.confirmed_at,
        "quote_age_seconds": max((now - opp.confirmed_at).total_seconds(), 0.0),
        "book_updated_at": opp.book_updated_at,
        "first_seen": opp.first_seen,
        "last_seen": opp.last_seen,
        "ended_at": opp.ended_at,
        "end_reason": opp.end_reason,
        "lifespan_seconds": max(((opp.ended_at or now) - opp.first_seen).total_seconds(), 0.0),
    }
    if opp.kind == "ev":
        assert opp.fair_prob is not None  # set for every +EV bet
        return EvBetOut(
            kind="ev",
            ev=opp.ev,
            fair_prob=opp.fair_prob,
            fair_odds_decimal=1.0 / opp.fair_prob,
            fair_odds_american=american(1.0 / opp.fair_prob),
            kelly_fraction=opp.kelly_fraction,
            hold=opp.hold,
            devig_method=opp.devig_method,
            fair_source=opp.fair_source,
            sharp_books=list(opp.sharp_books),
            **common,
        )
    if opp.kind == "arbitrage":
        return ArbitrageOut(kind="arbitrage", profit_margin=opp.profit_margin, **common)
    return MiddleOut(
        kind="middle",
        ev=opp.ev,
        hit_probability=opp.hit_probability,
        max_loss=opp.max_loss,
        window=(opp.window_low, opp.window_high),
        axis=opp.axis,
        devig_method=opp.devig_method,
        fair_source=opp.fair_source,
        sharp_books=list(opp.sharp_books),
        **common,
    )


class HiddenReason(BaseModel):
    reason: Reason = Field(
        description="The plan's rule that withheld them: kind, market or sport outside the plan, still "
        "inside the plan's delay, or beyond its cap on results."
    )
    count: int = Field(ge=1)
    message: str = Field(description="For a person to read: what the plan shows, and what an upgrade adds.")


class Hidden(BaseModel):
    """What the caller's plan withheld of the opportunities matching the request's filters."""

    total: int = Field(ge=0, description="The sum of the reasons' counts.")
    reasons: list[HiddenReason] = Field(
        description="In the order the rules apply (kind, market, sport, delay, cap), each opportunity "
        "counted under the first rule that withholds it; empty when nothing is hidden."
    )
    plan: str = Field(description="The plan the answer was made for.")

    @classmethod
    def build(cls, plan: str, withheld: list[Withheld]) -> Hidden:
        return cls(
            total=sum(w.count for w in withheld),
            reasons=[HiddenReason(reason=w.reason, count=w.count, message=w.message) for w in withheld],
            plan=plan,
        )


class OpportunityPage(BaseModel):
    items: list[OpportunityOut]
    page: PageMeta = Field(description="total counts what the plan shows, at most its cap on results.")
    hidden: Hidden
