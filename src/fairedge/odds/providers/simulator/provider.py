"""The simulator provider: schedule, latent model and the books' quoting; see the package docstring."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fairedge.odds.providers.base import (
    BookmakerInfo,
    BookmakerQuote,
    EventOdds,
    MarketQuote,
    Outcome,
    Snapshot,
    SportInfo,
)
from fairedge.odds.providers.simulator.bookmakers import BookSpec, book_table
from fairedge.odds.providers.simulator.leagues import SPORTS, SportSpec
from fairedge.odds.providers.simulator.pricers import Board, GoalsPricer, PointsPricer, Pricer, ladder_price
from fairedge.odds.providers.simulator.state import BookState, EventState, MarketState

__all__ = ["SimulatorProvider"]

_MIN_PRICE = 1.02  # a market that would need a shorter price is suspended
_MAX_PRICE = 101.0
_MAX_IMPLIED = 1.0 / _MIN_PRICE
_MIN_IMPLIED = 1.0 / _MAX_PRICE
_LIVE_REPRICE = 0.7  # per fetch, soft books in play
_LIVE_MAX_AGE = 3.0  # simulated minutes a soft book leaves an in-play line up without repricing
_MAX_LAG = 120.0  # simulated minutes: before the game a soft book reprices at least this often ...
_STALE_SPELL = (60.0, 300.0)  # ... except in a stale spell (simulated minutes)


class SimulatorProvider:
    """A seeded, deterministic live odds market; see the package docstring for the model."""

    name = "simulator"

    def __init__(
        self,
        seed: int | None = None,
        *,
        n_events: int = 24,
        clock: Callable[[], datetime] | None = None,
        time_scale: float = 60.0,
        n_books: int | None = None,
    ) -> None:
        if n_events < 0:
            raise ValueError("n_events must not be negative")
        if not time_scale > 0:
            raise ValueError("time_scale must be positive")
        self.seed = seed
        self.n_events = n_events
        self.time_scale = float(time_scale)
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self._books = book_table(n_books)
        self._sports = SPORTS
        self._sport_weights = [s.weight for s in SPORTS]
        self._ratings: dict[str, dict[str, float]] = {}
        self._pace: dict[str, dict[str, float]] = {}
        for sport in SPORTS:
            self._ratings[sport.key] = {t: self._rng.gauss(0.0, sport.rating_sd) for t in sport.teams}
            self._pace[sport.key] = {t: self._rng.gauss(0.0, sport.base_b) for t in sport.teams}
        self._busy: dict[str, set[str]] = {s.key: set() for s in SPORTS}
        self._events: list[EventState] = []
        self._origin: datetime | None = None
        self._sim_now = 0.0
        self.fetches = 0
        self.sports: tuple[SportInfo, ...] = tuple(SportInfo(s.key, s.group, s.title) for s in SPORTS)
        self.bookmakers: tuple[BookmakerInfo, ...] = tuple(
            BookmakerInfo(b.key, b.title, b.region) for b in self._books
        )

    # ---------------------------------------------------------------------------------------------- time

    def _to_real(self, sim_minutes: float) -> datetime:
        assert self._origin is not None
        return self._origin + timedelta(seconds=sim_minutes * 60.0 / self.time_scale)

    def _to_sim(self, when: datetime) -> float:
        assert self._origin is not None
        return (when - self._origin).total_seconds() * self.time_scale / 60.0

    # ------------------------------------------------------------------------------------------ schedule

    def _schedule(self, earliest: float, latest: float) -> EventState:
        rng = self._rng
        sport = rng.choices(self._sports, weights=self._sport_weights)[0]
        busy = self._busy[sport.key]
        free = [t for t in sport.teams if t not in busy]
        pool = free if len(free) >= 2 else list(sport.teams)
        home, away = rng.sample(pool, 2)
        busy.add(home)
        busy.add(away)
        start_real = self._to_real(self._sim_now + rng.uniform(earliest, latest)).replace(microsecond=0)
        event = EventState(
            f"{rng.getrandbits(128):032x}", sport, home, away, start_real, self._to_sim(start_real)
        )
        ratings, pace = self._ratings[sport.key], self._pace[sport.key]
        edge = ratings[home] - ratings[away]
        if sport.family == "points":
            margin = edge + sport.home_edge
            total = sport.base_a + pace[home] + pace[away]
            event.lat_h, event.lat_a = (total + margin) / 2.0, (total - margin) / 2.0
        else:
            event.lat_h = sport.base_a * math.exp(edge / 2.0)
            event.lat_a = sport.base_b * math.exp(-edge / 2.0)
        event.sim_t = min(self._sim_now, event.start)  # a game already under way catches up its score
        for spec in self._books:
            coverage = spec.soccer_coverage if sport.group == "Soccer" else spec.us_coverage
            if coverage < 1.0 and rng.random() >= coverage:
                continue
            markets = {
                key: MarketState(self._draw_offset(spec, sport, key))
                for key in sport.markets
                if spec.markets is None or key in spec.markets
            }
            if markets:
                event.books.append(BookState(spec, markets))
        if event.start < self._sim_now:
            event.status = "live"
        self._events.append(event)
        return event

    def _draw_offset(self, spec: BookSpec, sport: SportSpec, key: str) -> float:
        if spec.sharp or key == "h2h" or self._rng.random() >= spec.off_point:
            return 0.0
        table = sport.spread_offsets if key == "spreads" else sport.total_offsets
        return self._rng.choices([o for o, _ in table], weights=[w for _, w in table])[0]

    def _start(self) -> None:
        for _ in range(self.n_events):
            if self._rng.random() < 0.1:
                self._schedule(-100.0, -5.0)  # a few games already under way
            else:
                self._schedule(5.0, 48 * 60.0)

    # --------------------------------------------------------------------------------------------- model

    def _advance(self, event: EventState, until: float) -> None:
        """Move the latent state and the score from ``event.sim_t`` to ``until`` (simulated minutes)."""
        sport, rng = event.sport, self._rng
        dt = until - event.sim_t
        if dt <= 0.0:
            return
        hours = dt / 60.0
        scale = math.sqrt(hours)
        d_m = rng.gauss(0.0, sport.drift_margin * scale)
        d_t = rng.gauss(0.0, sport.drift_total * scale)
        if sport.jump_rate and rng.random() < 1.0 - math.exp(-sport.jump_rate * hours):
            d_m += rng.gauss(0.0, sport.jump_size)
        if sport.family == "points":
            event.lat_h = max(event.lat_h + (d_t + d_m) / 2.0, 0.3 * sport.base_a / 2.0)
            event.lat_a = max(event.lat_a + (d_t - d_m) / 2.0, 0.3 * sport.base_a / 2.0)
        else:
            event.lat_h *= math.exp((d_t + d_m) / 2.0)
            event.lat_a *= math.exp((d_t - d_m) / 2.0)
        # the score, over the part of [sim_t, until] that is in play
        f0 = min(max((event.sim_t - event.start) / sport.duration, 0.0), 1.0)
        f1 = min(max((until - event.start) / sport.duration, 0.0), 1.0)
        if f1 > f0:
            df = f1 - f0
            if sport.family == "points":
                common = sport.rho * min(event.lat_h, event.lat_a)
                own_var = sport.variance * (1.0 - sport.rho)
                c = self._gamma(common, sport.variance * sport.rho, df)
                event.cum_h += self._gamma(event.lat_h - common, own_var, df) + c
                event.cum_a += self._gamma(event.lat_a - common, own_var, df) + c
            else:
                event.cum_h += self._poisson(event.lat_h * df)
                event.cum_a += self._poisson(event.lat_a * df)
            event.frac = f1
        event.sim_t = until

    def _gamma(self, mean: float, var: float, df: float) -> float:
        if mean <= 0.0 or var <= 0.0:
            return 0.0
        return self._rng.gammavariate(mean * mean / var * df, var / mean)

    def _poisson(self, lam: float) -> int:
        # Knuth; lam is small (a part of one game's goals)
        limit, k, p = math.exp(-lam), 0, self._rng.random()
        while p > limit:
            k += 1
            p *= self._rng.random()
        return k

    def _pricer(self, event: EventState) -> Pricer:
        sport = event.sport
        rest = 1.0 - event.frac
        if sport.family == "points":
            own = 2.0 * sport.variance * rest
            return PointsPricer(
                mu_m=event.cum_h - event.cum_a + (event.lat_h - event.lat_a) * rest,
                sd_m=math.sqrt(own * (1.0 - sport.rho)),
                mu_t=event.cum_h + event.cum_a + (event.lat_h + event.lat_a) * rest,
                sd_t=math.sqrt(own * (1.0 + sport.rho)),
            )
        return GoalsPricer(
            event.lat_h * rest, event.lat_a * rest, int(event.cum_h), int(event.cum_a), sport.draw, 0.52
        )

    def _finish(self, event: EventState) -> None:
        home, away = math.floor(event.cum_h), math.floor(event.cum_a)
        if home == away and not event.sport.draw:
            home_wins = self._rng.random() < 0.52
            extra = self._rng.randint(1, event.sport.overtime_points)
            if home_wins:
                home += extra
            else:
                away += extra
        event.home_score, event.away_score = home, away
        event.status = "completed"
        for book in event.books:
            book.quote = None
        event.books = []
        busy = self._busy[event.sport.key]
        busy.discard(event.home)
        busy.discard(event.away)

    # ---------------------------------------------------------------------------------------------- books

    def _quote(
        self, spec: BookSpec, state: MarketState, key: str, board: Board, now: datetime
    ) -> MarketQuote | None:
        if key == "h2h":
            line = board.h2h
        elif key == "spreads":
            line = board.line(key, board.spread_line + state.offset)
        else:
            line = board.line(key, board.total_line + state.offset)
        if line is None:  # suspended
            return None
        fair, names, points = line
        n = len(fair)
        add = spec.margin / n
        implied = [p + add for p in fair]
        if not spec.sharp:
            rng = self._rng
            if rng.random() < spec.shade:
                state.shade_side = rng.randrange(n)
                # from a little worse than fair to a little better (+EV) on that side
                state.shade = add + rng.uniform(-0.015, 0.006)
                state.shade_to = (state.shade_side + 1 + rng.randrange(n - 1)) % n
            else:
                state.shade_side = -1
            if state.shade_side >= 0:
                side = state.shade_side
                amount = min(max(state.shade, 0.0), implied[side] / 3.0)
                implied[side] -= amount
                implied[state.shade_to] += amount
        if max(implied) > _MAX_IMPLIED or min(implied) < _MIN_IMPLIED:
            return None
        rounding = spec.rounding
        if rounding == "dec2":
            prices = [math.floor(100.0 / q + 1e-7) / 100.0 for q in implied]
        elif rounding == "dec3":
            prices = [math.floor(1000.0 / q + 1e-7) / 1000.0 for q in implied]
        else:
            prices = [ladder_price(1.0 / q) for q in implied]
        if n == 2:
            outcomes: tuple[Outcome, ...] = (
                Outcome(names[0], prices[0], points[0]),
                Outcome(names[1], prices[1], points[1]),
            )
        else:
            outcomes = tuple(Outcome(nm, pr, pt) for nm, pr, pt in zip(names, prices, points, strict=True))
        return MarketQuote(key, outcomes, now)

    def _reprice(self, event: EventState, book: BookState, board: Board, now: datetime) -> None:
        spec = book.spec
        markets: list[MarketQuote] = []
        for key, state in book.markets.items():
            if not spec.sharp and key != "h2h" and self._rng.random() < 0.1:
                state.offset = self._draw_offset(spec, event.sport, key)
            quote = state.quote = self._quote(spec, state, key, board, now)
            if quote is not None:
                markets.append(quote)
        book.last_update = now
        book.last_sim = self._sim_now
        book.quote = BookmakerQuote(spec.key, spec.title, tuple(markets), now) if markets else None

    def _update_books(self, event: EventState, now: datetime) -> None:
        rng = self._rng
        board = Board(self._pricer(event), event.home, event.away, event.sport.markets)
        live = event.status == "live"
        for book in event.books:
            spec = book.spec
            if not spec.sharp and book.quote is not None:
                if live:
                    # in play a soft book reprices or, once its line is older than a few minutes, pulls it
                    if rng.random() >= _LIVE_REPRICE:
                        if self._sim_now - book.last_sim > _LIVE_MAX_AGE:
                            book.quote = None
                        continue
                elif self._sim_now < book.stale_until:
                    continue
                elif rng.random() < spec.stale:
                    book.stale_until = self._sim_now + rng.uniform(*_STALE_SPELL)
                    continue
                elif rng.random() >= spec.reprice and self._sim_now - book.last_sim < _MAX_LAG:
                    continue
            self._reprice(event, book, board, now)

    # ---------------------------------------------------------------------------------------------- fetch

    def fetch(self) -> Snapshot:
        now = self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        if self._origin is None:
            self._origin = now
            self._start()
        self._sim_now = max(self._sim_now, self._to_sim(now))
        self.fetches += 1
        # a completed game was reported once, in the previous snapshot
        self._events = [e for e in self._events if e.status != "completed"]
        finished = 0
        out: list[EventOdds] = []
        for event in list(self._events):
            self._advance(event, min(self._sim_now, event.end))
            if self._sim_now >= event.end:
                self._finish(event)
                finished += 1
            else:
                if self._sim_now >= event.start:
                    event.status = "live"
                    event.home_score, event.away_score = math.floor(event.cum_h), math.floor(event.cum_a)
                self._update_books(event, now)
            out.append(self._event_odds(event))
        for _ in range(finished):
            new = self._schedule(20.0, 48 * 60.0)
            self._update_books(new, now)
            out.append(self._event_odds(new))
        out.sort(key=lambda e: (e.commence_time, e.id))
        return Snapshot(
            fetched_at=now,
            events=tuple(out),
            sports=self.sports,
            bookmakers=self.bookmakers,
            source=self.name,
        )

    def _event_odds(self, event: EventState) -> EventOdds:
        return EventOdds(
            id=event.id,
            sport_key=event.sport.key,
            sport_title=event.sport.title,
            commence_time=event.commence,
            home_team=event.home,
            away_team=event.away,
            bookmakers=tuple(b.quote for b in event.books if b.quote is not None),
            status=event.status,
            home_score=event.home_score,
            away_score=event.away_score,
        )
