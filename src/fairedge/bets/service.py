"""Bet tracker rules: record a bet (by hand or from an opportunity), the owner's reads and edits, the
automatic settlement from final scores, closing-line value, and the ROI/CLV summary.

Only the owner reaches a bet: another user's bet is "not found", as one that does not exist.
Services flush, never commit: the request or the job owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session

from fairedge.bets import repository, settlement
from fairedge.bets.models import MARKETS, Bet
from fairedge.bets.repository import BetFilter
from fairedge.billing.plans import Plan
from fairedge.errors import InvalidInput, NotFound
from fairedge.kit.pagination import Page
from fairedge.odds.models import Event, Sport
from fairedge.opportunities import service as opportunities

log = structlog.get_logger(__name__)

__all__ = ["BetFilter", "ClvRules", "NewBet"]

OPEN = "open"
NO_CLOSE = "no_comparable_close"
BATCH = 500  # bets per job step: a first run after an outage catches up over a few runs


@dataclass(frozen=True, slots=True)
class ClvRules:
    """Which closing fair line (devig method) and how old a book's last quote may be at the start to be
    its close (the scan's SCAN_MAX_QUOTE_AGE_SECONDS)."""

    method: str
    max_age_seconds: float


@dataclass(frozen=True, slots=True)
class NewBet:
    """A bet recorded by hand. ``point`` is the outcome's own line (away +3.5, Over 221.5)."""

    event_id: int
    market: str
    outcome: str
    bookmaker: str
    price: float
    stake: float
    point: float | None = None
    period: str = "full"
    placed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BetChanges:
    """An edit by the owner: ``result`` settles by hand (``open`` hands the bet back to the job)."""

    result: str | None = None
    stake: float | None = None
    price: float | None = None


def _problem(parameter: str, message: str, **facts: Any) -> InvalidInput:
    return InvalidInput(message, details=[{"parameter": parameter, "message": message, **facts}])


def _placed_at(placed_at: datetime | None, now: datetime) -> datetime:
    if placed_at is None:
        return now
    if placed_at > now:
        raise _problem("placed_at", "placed_at is in the future")
    return placed_at


def _check_outcome(event: Event, market: str, outcome: str, point: float | None) -> None:
    teams = (event.home_team, event.away_team)
    allowed = {"h2h": [*teams, "Draw"], "spreads": list(teams), "totals": ["Over", "Under"]}[market]
    if outcome not in allowed:
        raise _problem("outcome", f"{outcome!r} is not an outcome of this {market} market", allowed=allowed)
    if market == "h2h":
        if point is not None:
            raise _problem("point", "an h2h bet has no point")
        return
    if point is None:
        raise _problem("point", f"a {market} bet needs the outcome's point (its handicap or total)")
    if not settlement.valid_line(point) or (market == "totals" and point <= 0):
        raise _problem("point", f"{point} is not a {market} line (a positive multiple of 0.25 for totals)")


def _new(
    user_id: int, event: Event, sport: Sport, *, now: datetime, placed_at: datetime, **fields: Any
) -> Bet:
    return Bet(
        user_id=user_id,
        event_id=event.id,
        sport_key=sport.key,
        home_team=event.home_team,
        away_team=event.away_team,
        commence_time=event.commence_time,
        placed_at=placed_at,
        price_clv_status="pending",
        prob_clv_status="pending",
        created_at=now,
        updated_at=now,
        **fields,
    )


def _event(session: Session, event_id: int) -> tuple[Event, Sport]:
    found = repository.event(session, event_id)
    if found is None:
        raise NotFound(f"event {event_id} not found")
    return found


def record_bet(session: Session, user_id: int, new: NewBet, *, now: datetime, clv: ClvRules) -> Bet:
    """Record a bet by hand on a stored event; settled and valued at once when its event already is."""
    if new.market not in MARKETS:
        raise _problem("market", f"market {new.market!r} is not tracked", allowed=list(MARKETS))
    event, sport = _event(session, new.event_id)
    _check_outcome(event, new.market, new.outcome, new.point)
    bet = _new(
        user_id,
        event,
        sport,
        now=now,
        placed_at=_placed_at(new.placed_at, now),
        market_key=new.market,
        period=new.period,
        outcome=new.outcome,
        point=new.point,
        bookmaker=new.bookmaker,
        price=new.price,
        stake=new.stake,
    )
    repository.add(session, [bet])
    _catch_up(session, [bet], now=now, clv=clv)
    log.info("bet_recorded", bet_id=bet.id, source="manual", market=bet.market_key)
    return bet


def record_from_opportunity(
    session: Session,
    user_id: int,
    opportunity_id: int,
    *,
    stake: float,
    plan: Plan,
    now: datetime,
    placed_at: datetime | None = None,
    clv: ClvRules,
) -> list[Bet]:
    """Record an opportunity the caller's plan shows as one bet per leg: each leg's book, outcome, point
    and quoted price, ``stake`` shared as the opportunity splits it, the EV (and fair probability of a +EV
    bet) at placement kept."""
    opp, event, sport = opportunities.get_opportunity(session, opportunity_id, plan, now=now)
    when = _placed_at(placed_at, now)
    bets: list[Bet] = []
    for leg in opp.legs:
        found = repository.market_by_id(session, int(leg["market_id"]))
        if found is None or found.key not in MARKETS:
            raise _problem(
                "from_opportunity",
                f"opportunity {opportunity_id} has a leg in a market the tracker does not settle",
                allowed=list(MARKETS),
            )
        bets.append(
            _new(
                user_id,
                event,
                sport,
                now=now,
                placed_at=when,
                market_key=found.key,
                period=found.period,
                outcome=leg["outcome"],
                point=leg["point"],
                bookmaker=leg["bookmaker"],
                price=float(leg["price"]),
                stake=stake * float(leg["stake"]),
                opportunity_id=opp.id,
                opportunity_kind=opp.kind,
                ev_at_placement=opp.ev,
                fair_prob_at_placement=opp.fair_prob if opp.kind == "ev" else None,
            )
        )
    repository.add(session, bets)
    _catch_up(session, bets, now=now, clv=clv)
    log.info("bet_recorded", source="opportunity", opportunity_id=opp.id, bets=len(bets))
    return bets


def _catch_up(session: Session, bets: Sequence[Bet], *, now: datetime, clv: ClvRules) -> None:
    """A bet recorded after its event started or finished is valued and settled at once."""
    for bet in bets:
        if bet.event_id is None:
            continue
        value_bet(session, bet, clv)
        found = repository.event(session, bet.event_id)
        if found is not None and found[0].status == "completed":
            _settle_on_score(session, bet, found[0], now=now)


# --- the owner's reads and edits ----------------------------------------------------------------------------


def list_bets(session: Session, user_id: int, filters: BetFilter, page: Page) -> tuple[list[Bet], int]:
    return repository.page(session, user_id, filters, offset=page.offset, limit=page.limit)


def get_bet(session: Session, user_id: int, bet_id: int) -> Bet:
    bet = repository.get(session, user_id, bet_id)
    if bet is None:
        raise NotFound(f"bet {bet_id} not found")
    return bet


def update_bet(
    session: Session, user_id: int, bet_id: int, changes: BetChanges, *, now: datetime, clv: ClvRules
) -> Bet:
    """Correct the stake or price, settle by hand, or reopen (``result="open"``: the job settles it)."""
    bet = get_bet(session, user_id, bet_id)
    revalue = False
    if changes.stake is not None:
        bet.stake = changes.stake
    if changes.price is not None and changes.price != bet.price:
        bet.price = changes.price
        revalue = True
    if changes.result == OPEN:
        bet.result = bet.profit = bet.settled_at = bet.settled_by = None
        bet.home_score = bet.away_score = None
    elif changes.result is not None:
        bet.result, bet.settled_at, bet.settled_by = changes.result, now, "manual"
    if bet.result is not None:
        bet.profit = settlement.profit(bet.result, bet.stake, bet.price)
    if revalue:
        bet.price_clv_status = bet.prob_clv_status = "pending"
        bet.clv_price = bet.clv_prob = None
        value_bet(session, bet, clv)
    bet.updated_at = now
    session.flush()
    if changes.result == OPEN:
        _catch_up(session, [bet], now=now, clv=clv)
    return bet


def delete_bet(session: Session, user_id: int, bet_id: int) -> None:
    repository.remove(session, get_bet(session, user_id, bet_id))


def all_bets(session: Session, user_id: int, filters: BetFilter) -> list[Bet]:
    return repository.every(session, user_id, filters)


# --- settlement ---------------------------------------------------------------------------------------------


def _market_point(bet: Bet) -> float:
    """The store's point of the bet's market: the home line for spreads, the total, 0 for h2h."""
    if bet.market_key == "h2h" or bet.point is None:
        return 0.0
    if bet.market_key == "spreads" and bet.outcome == bet.away_team:
        return -bet.point
    return bet.point


def _settle_on_score(session: Session, bet: Bet, event: Event, *, now: datetime) -> bool:
    if bet.result is not None or event.home_score is None or event.away_score is None:
        return False
    if bet.period != "full" or bet.market_key not in MARKETS:
        return False
    three_way = bet.market_key == "h2h" and repository.has_three_way_h2h(session, event.id, bet.period)
    try:
        result = settlement.grade(
            bet.market_key,
            bet.outcome,
            bet.point,
            home_team=bet.home_team,
            away_team=bet.away_team,
            home_score=event.home_score,
            away_score=event.away_score,
            three_way=three_way,
        )
    except ValueError as exc:
        log.warning("bet_not_gradable", bet_id=bet.id, reason=str(exc))
        return False
    _settle(bet, result, now=now)
    bet.home_score, bet.away_score = event.home_score, event.away_score
    return True


def _settle(bet: Bet, result: str, *, now: datetime) -> None:
    bet.result = result
    bet.profit = settlement.profit(result, bet.stake, bet.price)
    bet.settled_at = bet.updated_at = now
    bet.settled_by = "auto"


@dataclass(slots=True)
class SettleReport:
    settled: dict[str, int] = field(default_factory=dict)
    valued: int = 0
    scores: int = 0

    def count(self, result: str) -> None:
        self.settled[result] = self.settled.get(result, 0) + 1


def settle_open_bets(session: Session, *, now: datetime, postponed_hours: float) -> SettleReport:
    """Settle open bets whose event finished (by its final score) or was postponed by more than
    ``postponed_hours`` after the bet was placed (``void``, as books void a game moved that far)."""
    report = SettleReport()
    moved_limit = timedelta(hours=postponed_hours)
    for bet, event in repository.open_bets_on_moved_events(session):
        if event.commence_time - bet.commence_time > moved_limit:
            _settle(bet, "void", now=now)
            report.count("void")
    for bet, event in repository.open_bets_on_finished_events(session, limit=BATCH):
        if event.commence_time - bet.commence_time > moved_limit:
            _settle(bet, "void", now=now)
            report.count("void")
        elif _settle_on_score(session, bet, event, now=now):
            report.count(bet.result or "")
    session.flush()
    if report.settled:
        log.info("bets_settled", **report.settled)
    return report


def waiting_for_scores(session: Session, *, now: datetime, after_hours: float) -> dict[str, datetime]:
    """Sports with open bets on games that started ``after_hours`` ago or more (within the three days a
    provider can still tell) and have no final score yet: sport key → the earliest such start."""
    return repository.sports_awaiting_scores(
        session, started_after=now - timedelta(days=3), started_before=now - timedelta(hours=after_hours)
    )


# --- closing-line value -------------------------------------------------------------------------------------


def value_bet(session: Session, bet: Bet, clv: ClvRules) -> bool:
    """Fill in the bet's CLV once its event's closing lines are captured; False while they are not.

    The close of the bet's book is its last quote of the bet's market (same point) confirmed within
    ``clv.max_age_seconds`` of the start: a line the book had moved away from earlier was not its close. The
    fair close is the sharp books' no-vig line of that market then (``source`` sharp), never a consensus."""
    if bet.price_clv_status != "pending" and bet.prob_clv_status != "pending":
        return True
    found = repository.event(session, bet.event_id) if bet.event_id is not None else None
    if found is not None and not repository.closing_captured(session, found[0].id):
        return False
    bet.clv_method = clv.method
    bet.price_clv_status = bet.prob_clv_status = NO_CLOSE
    bet.closing_price = bet.clv_price = bet.closing_fair_prob = bet.clv_prob = None
    # No close for a bet whose event is gone, or placed in play (the close is the last pre-game price).
    if found is None or bet.placed_at >= found[0].commence_time:
        return True
    market = repository.market(session, found[0].id, bet.market_key, bet.period, _market_point(bet))
    if market is None or bet.outcome not in market.outcomes:
        return True
    index = market.outcomes.index(bet.outcome)
    quote = repository.closing_quote(session, market.id, bet.bookmaker)
    if quote is not None:
        closing = (quote.price_0, quote.price_1, quote.price_2)[index]
        fresh = (found[0].commence_time - quote.confirmed_at).total_seconds() <= clv.max_age_seconds
        if fresh and closing is not None and closing > 1.0:
            bet.closing_price = closing
            bet.clv_price = settlement.price_clv(bet.price, closing)
            bet.price_clv_status = "ok"
    line = repository.closing_fair_line(session, market.id, clv.method)
    if line is not None and line.source == "sharp":
        prob = (line.prob_0, line.prob_1, line.prob_2)[index]
        if prob is not None and 0.0 < prob < 1.0:
            bet.closing_fair_prob = prob
            bet.clv_prob = settlement.prob_clv(bet.price, prob)
            bet.prob_clv_status = "ok"
    return True


def value_open_clv(session: Session, clv: ClvRules) -> int:
    """The CLV of bets whose event's closing lines have been captured since; how many were valued."""
    valued = 0
    for bet in repository.bets_awaiting_clv(session, limit=BATCH):
        if value_bet(session, bet, clv):
            valued += 1
    session.flush()
    return valued


# --- summary ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Figures:
    """One group's figures. Rates are fractions; an average over nothing is None."""

    key: str
    bets: int = 0
    open: int = 0
    settled: int = 0
    wins: int = 0
    losses: int = 0
    pushes: int = 0  # push and void
    staked: float = 0.0  # every bet's stake
    risked: float = 0.0  # settled bets' stakes, pushes and voids aside: ROI's denominator
    profit: float = 0.0
    _ev: list[float] = field(default_factory=list)
    _clv_price: list[float] = field(default_factory=list)
    _clv_prob: list[float] = field(default_factory=list)

    def add(self, bet: Bet) -> None:
        self.bets += 1
        self.staked += bet.stake
        if bet.result is None:
            self.open += 1
        else:
            self.settled += 1
            self.profit += bet.profit or 0.0
            if bet.result in ("push", "void"):
                self.pushes += 1
            else:
                self.risked += bet.stake
                if bet.result in ("win", "half_win"):
                    self.wins += 1
                else:
                    self.losses += 1
        if bet.ev_at_placement is not None:
            self._ev.append(bet.ev_at_placement)
        if bet.price_clv_status == "ok" and bet.clv_price is not None:
            self._clv_price.append(bet.clv_price)
        if bet.prob_clv_status == "ok" and bet.clv_prob is not None:
            self._clv_prob.append(bet.clv_prob)

    @staticmethod
    def _mean(values: Sequence[float]) -> float | None:
        return sum(values) / len(values) if values else None

    @property
    def roi(self) -> float | None:
        return self.profit / self.risked if self.risked else None

    @property
    def avg_ev(self) -> float | None:
        return self._mean(self._ev)

    @property
    def avg_clv_price(self) -> float | None:
        return self._mean(self._clv_price)

    @property
    def avg_clv_prob(self) -> float | None:
        return self._mean(self._clv_prob)

    @property
    def with_clv(self) -> int:
        return len(self._clv_price)

    @property
    def beat_close_rate(self) -> float | None:
        """Share of the bets with a price CLV whose price beat the same book's close."""
        if not self._clv_price:
            return None
        return sum(1 for v in self._clv_price if v > 0) / len(self._clv_price)


@dataclass(slots=True)
class Summary:
    overall: Figures
    by_sport: list[Figures]
    by_book: list[Figures]
    by_market: list[Figures]
    by_month: list[Figures]


def _grouped(bets: Iterable[Bet], key: Callable[[Bet], str]) -> list[Figures]:
    groups: dict[str, Figures] = defaultdict(lambda: Figures(""))
    for bet in bets:
        name = key(bet)
        group = groups[name]
        group.key = name
        group.add(bet)
    return [groups[name] for name in sorted(groups)]


def summary(session: Session, user_id: int, filters: BetFilter) -> Summary:
    bets = repository.every(session, user_id, filters)
    overall = Figures("all")
    for bet in bets:
        overall.add(bet)
    return Summary(
        overall=overall,
        by_sport=_grouped(bets, lambda b: b.sport_key),
        by_book=_grouped(bets, lambda b: b.bookmaker),
        by_market=_grouped(bets, lambda b: b.market_key),
        by_month=_grouped(bets, lambda b: f"{b.placed_at:%Y-%m}"),
    )
