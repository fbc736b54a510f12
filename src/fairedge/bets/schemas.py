"""The bet tracker as the API shows it: rates as fractions, money as numbers (two decimals when shown)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from fairedge.api_schemas import EVENT_ID_MAX, Name, Timestamp
from fairedge.bets.models import Bet
from fairedge.bets.service import Figures, Summary
from fairedge.kit.pagination import PageMeta
from fairedge.odds.schemas import american

Result = Literal["win", "loss", "push", "void", "half_win", "half_loss"]
ClvStatus = Literal["pending", "ok", "no_comparable_close"]
Price = Annotated[float, Field(gt=1.0, le=1001.0, description="Decimal odds taken (1.91 = -110).")]
Stake = Annotated[float, Field(gt=0, le=1e9, description="Amount staked, in the bettor's currency.")]


def _text_only(value: object) -> object:
    # A JSON number would pass as Unix time; the schema promises an RFC 3339 string.
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 date-time string, e.g. 2026-01-31T19:30:00Z")
    return value


PlacedAt = Annotated[Timestamp, BeforeValidator(_text_only)]
Period = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[a-z0-9_]+$")]
Outcome = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]*$")]


class ManualBetIn(BaseModel):
    """A bet by hand on a stored event."""

    model_config = ConfigDict(extra="forbid")

    event_id: int = Field(ge=1, le=EVENT_ID_MAX)
    market: Literal["h2h", "spreads", "totals"]
    period: Period = Field(
        "full", description="full (settled from the final score), or a part of the game (settled by hand)."
    )
    outcome: Outcome = Field(description="A team, Draw (three-way h2h), Over or Under.")
    point: float | None = Field(
        None, ge=-1000, le=1000, description="The outcome's own line: away +3.5, Over 221.5; none for h2h."
    )
    bookmaker: Name
    price: Price
    stake: Stake
    placed_at: PlacedAt | None = Field(None, description="When the bet was placed; now when absent.")


class OpportunityBetIn(BaseModel):
    """An opportunity the caller's plan shows, recorded as one bet per leg, ``stake`` shared as the
    opportunity splits it."""

    model_config = ConfigDict(extra="forbid")

    from_opportunity: int = Field(ge=1, le=2**53 - 1, description="The opportunity's id.")
    stake: Stake
    placed_at: PlacedAt | None = Field(None, description="When the bet was placed; now when absent.")


class BetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Result | Literal["open"] | None = Field(
        None, description="Settle by hand; 'open' undoes a settlement (the job settles it again)."
    )
    stake: Stake | None = None
    price: Price | None = None


class BetOut(BaseModel):
    id: int
    event_id: int | None = Field(description="Null once the odds store no longer holds the event.")
    sport: str
    home_team: str
    away_team: str
    commence_time: datetime
    market: str
    period: str
    outcome: str
    point: float | None
    bookmaker: str
    price_decimal: float
    price_american: float | None
    stake: float
    placed_at: datetime
    opportunity_id: int | None
    opportunity_kind: str | None
    ev_at_placement: float | None = Field(description="The opportunity's EV when recorded from one.")
    fair_prob_at_placement: float | None
    status: Literal["open", "settled"]
    result: Result | None
    profit: float | None
    settled_at: datetime | None
    settled_by: Literal["auto", "manual"] | None
    final_score: list[int] | None = Field(description="[home, away] the bet settled on automatically.")
    price_clv_status: ClvStatus
    closing_price: float | None = Field(description="The same book's closing decimal at the bet's point.")
    clv_price: float | None = Field(description="price_decimal / closing_price − 1.")
    prob_clv_status: ClvStatus
    closing_fair_prob: float | None = Field(description="The sharp closing no-vig probability.")
    clv_prob: float | None = Field(description="closing_fair_prob − 1 / price_decimal.")
    clv_devig_method: str | None

    @classmethod
    def build(cls, bet: Bet) -> Self:
        return cls(
            id=bet.id,
            event_id=bet.event_id,
            sport=bet.sport_key,
            home_team=bet.home_team,
            away_team=bet.away_team,
            commence_time=bet.commence_time,
            market=bet.market_key,
            period=bet.period,
            outcome=bet.outcome,
            point=bet.point,
            bookmaker=bet.bookmaker,
            price_decimal=bet.price,
            price_american=american(bet.price),
            stake=bet.stake,
            placed_at=bet.placed_at,
            opportunity_id=bet.opportunity_id,
            opportunity_kind=bet.opportunity_kind,
            ev_at_placement=bet.ev_at_placement,
            fair_prob_at_placement=bet.fair_prob_at_placement,
            status="open" if bet.result is None else "settled",
            result=bet.result,
            profit=bet.profit,
            settled_at=bet.settled_at,
            settled_by=bet.settled_by,
            final_score=[bet.home_score, bet.away_score]
            if bet.home_score is not None and bet.away_score is not None
            else None,
            price_clv_status=bet.price_clv_status,
            closing_price=bet.closing_price,
            clv_price=bet.clv_price,
            prob_clv_status=bet.prob_clv_status,
            closing_fair_prob=bet.closing_fair_prob,
            clv_prob=bet.clv_prob,
            clv_devig_method=bet.clv_method,
        )


class BetsOut(BaseModel):
    bets: list[BetOut]


class BetPage(BaseModel):
    items: list[BetOut]
    page: PageMeta


class FiguresOut(BaseModel):
    key: str = Field(description="The group: a sport key, a book, a market, a month (YYYY-MM), or 'all'.")
    bets: int
    open: int
    settled: int
    wins: int = Field(description="Wins and half wins.")
    losses: int = Field(description="Losses and half losses.")
    pushes: int = Field(description="Pushes and voids.")
    staked: float = Field(description="Every bet's stake, open ones included.")
    risked: float = Field(description="Stakes of settled bets other than pushes and voids.")
    profit: float
    roi: float | None = Field(description="profit / risked; null before anything settled.")
    avg_ev: float | None = Field(description="Mean EV at placement of the bets recorded from an opportunity.")
    avg_clv_price: float | None
    avg_clv_prob: float | None
    bets_with_clv: int = Field(description="Bets with a price CLV (the averages' and rate's base).")
    beat_close_rate: float | None = Field(description="Share of those whose price beat the book's close.")

    @classmethod
    def build(cls, f: Figures) -> Self:
        return cls(
            key=f.key,
            bets=f.bets,
            open=f.open,
            settled=f.settled,
            wins=f.wins,
            losses=f.losses,
            pushes=f.pushes,
            staked=round(f.staked, 2),
            risked=round(f.risked, 2),
            profit=round(f.profit, 2),
            roi=f.roi,
            avg_ev=f.avg_ev,
            avg_clv_price=f.avg_clv_price,
            avg_clv_prob=f.avg_clv_prob,
            bets_with_clv=f.with_clv,
            beat_close_rate=f.beat_close_rate,
        )


class SummaryOut(BaseModel):
    overall: FiguresOut
    by_sport: list[FiguresOut]
    by_book: list[FiguresOut]
    by_market: list[FiguresOut]
    by_month: list[FiguresOut]

    @classmethod
    def build(cls, s: Summary) -> Self:
        return cls(
            overall=FiguresOut.build(s.overall),
            by_sport=[FiguresOut.build(f) for f in s.by_sport],
            by_book=[FiguresOut.build(f) for f in s.by_book],
            by_market=[FiguresOut.build(f) for f in s.by_market],
            by_month=[FiguresOut.build(f) for f in s.by_month],
        )
