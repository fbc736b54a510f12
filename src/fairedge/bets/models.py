"""A user's bets: what was bet (a copy, so a bet outlives the odds store's retention), how it settled and
its closing-line value.

A bet names its event by id while the odds store keeps it (``event_id`` becomes NULL when the retention job
removes the event) and keeps its own copy of what a statement needs: the sport, the teams, the start time at
placement. ``point`` is the line of the bet's outcome as the bettor reads it: the team's handicap for
spreads (home −3.5, away +3.5), the total for totals, none for h2h.

Settlement: ``result`` is NULL while open, then ``win``, ``loss``, ``push``, ``void``, ``half_win`` or
``half_loss``; ``profit`` follows from it, the stake and the price. ``settled_by`` is ``auto`` (final scores,
a postponement) or ``manual``: a manual settlement is never overwritten by the job.

Closing-line value (rates as fractions): ``clv_price`` = bet decimal / the same book's closing decimal at
the same point − 1; ``clv_prob`` = the sharp closing no-vig probability of the outcome at the bet's point −
1/bet decimal. Each has a status: ``pending`` (the event has not started or its closing lines are not
captured yet), ``ok``, or ``no_comparable_close`` (the number would have to be made up).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId

RESULTS = ("win", "loss", "push", "void", "half_win", "half_loss")
CLV_STATUSES = ("pending", "ok", "no_comparable_close")
MARKETS = ("h2h", "spreads", "totals")  # what settles from a final score


class Bet(Base):
    __tablename__ = "bets"
    __table_args__ = (
        CheckConstraint("stake > 0", name="stake_positive"),
        CheckConstraint("price > 1", name="price_above_one"),
        Index("ix_bets_user_id_placed_at", "user_id", "placed_at"),
        Index("ix_bets_open", "result", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("auth.users.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    sport_key: Mapped[str] = mapped_column(String(64))
    home_team: Mapped[str] = mapped_column(String(128))
    away_team: Mapped[str] = mapped_column(String(128))
    commence_time: Mapped[datetime]  # the event's start when the bet was placed (a later move: postponed)
    market_key: Mapped[str] = mapped_column(String(64))  # h2h | spreads | totals
    period: Mapped[str] = mapped_column(String(16), default="full")
    outcome: Mapped[str] = mapped_column(String(128))  # a team, Draw, Over or Under
    point: Mapped[float | None] = mapped_column(Float)
    bookmaker: Mapped[str] = mapped_column(String(64))
    price: Mapped[float] = mapped_column(Float)  # decimal odds taken
    stake: Mapped[float] = mapped_column(Float)
    placed_at: Mapped[datetime]
    opportunity_id: Mapped[int | None] = mapped_column(BigIntId)  # no foreign key: opportunities are pruned
    opportunity_kind: Mapped[str | None] = mapped_column(String(16))
    ev_at_placement: Mapped[float | None] = mapped_column(Float)
    fair_prob_at_placement: Mapped[float | None] = mapped_column(Float)
    result: Mapped[str | None] = mapped_column(String(16))
    profit: Mapped[float | None] = mapped_column(Float)
    settled_at: Mapped[datetime | None]
    settled_by: Mapped[str | None] = mapped_column(String(8))  # auto | manual
    home_score: Mapped[int | None]  # the final score the bet was settled on
    away_score: Mapped[int | None]
    price_clv_status: Mapped[str] = mapped_column(String(24), default="pending")
    closing_price: Mapped[float | None] = mapped_column(Float)
    clv_price: Mapped[float | None] = mapped_column(Float)
    prob_clv_status: Mapped[str] = mapped_column(String(24), default="pending")
    closing_fair_prob: Mapped[float | None] = mapped_column(Float)
    clv_prob: Mapped[float | None] = mapped_column(Float)
    clv_method: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
