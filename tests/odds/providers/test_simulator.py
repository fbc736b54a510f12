"""The simulated market: deterministic, well-formed, realistic margins, and opportunities that come and go."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from factories import T0, FakeClock
from fairedge.odds.providers.base import EventOdds, MarketQuote, Snapshot
from fairedge.odds.providers.simulator import BOOKMAKERS, SimulatorProvider

START = T0  # 2026-01-15 18:00 UTC
SHARP = {b.key for b in BOOKMAKERS if b.sharp}
SOFT = {b.key for b in BOOKMAKERS if not b.sharp}
SOCCER = ("soccer_epl", "soccer_spain_la_liga")


def _run(seed: int | None, fetches: int, step_seconds: float = 20.0, **kwargs: int) -> list[Snapshot]:
    """``fetches`` snapshots ``step_seconds`` apart on the simulated clock, from ``START``."""
    provider = SimulatorProvider(seed, clock=FakeClock(START, tick=step_seconds), **kwargs)
    return [provider.fetch() for _ in range(fetches)]


@pytest.fixture(scope="module")
def history() -> list[Snapshot]:
    """Seed 7, one fetch every 20 s (20 simulated minutes): 100 simulated hours."""
    return _run(7, 300)


def _markets(snapshots: list[Snapshot]) -> Iterator[tuple[Snapshot, EventOdds, str, MarketQuote]]:
    for snapshot in snapshots:
        for event in snapshot.events:
            for book in event.bookmakers:
                for market in book.markets:
                    yield snapshot, event, book.key, market


def _tick(price: float) -> float:
    """The coarsest price step any book uses at this price (the exchange ladder)."""
    for bound, tick in (
        (2.0, 0.01),
        (3.0, 0.02),
        (4.0, 0.05),
        (6.0, 0.1),
        (10.0, 0.2),
        (20.0, 0.5),
        (30.0, 1.0),
    ):
        if price < bound:
            return tick
    return 5.0


def test_same_seed_and_clock_give_identical_snapshots() -> None:
    assert _run(42, 40) == _run(42, 40)


def test_a_seeded_sequence_stays_exactly_the_same() -> None:
    """Seed 11, 6 events, 12 fetches 20 s apart, pinned: a refactor must not move a single price or id."""
    snapshots = _run(11, 12, n_events=6)
    first = snapshots[0].events[0]
    assert (first.id, first.sport_key, first.home_team, first.away_team) == (
        "3433b58e1d6d2a932f3dc5543087bbf9",
        "baseball_mlb",
        "New York Yankees",
        "Pittsburgh Pirates",
    )
    assert first.commence_time == datetime(2026, 1, 15, 17, 59, 5, tzinfo=UTC)
    pinnacle = first.bookmakers[0]
    assert pinnacle.key == "pinnacle"
    assert [(o.name, o.price, o.point) for m in pinnacle.markets for o in m.outcomes] == [
        ("New York Yankees", 1.701, None),
        ("Pittsburgh Pirates", 2.291, None),
        ("New York Yankees", 2.889, -1.5),
        ("Pittsburgh Pirates", 1.475, 1.5),
        ("Over", 2.226, 8.5),
        ("Under", 1.739, 8.5),
    ]
    digest = hashlib.sha256("\n".join(map(repr, snapshots)).encode()).hexdigest()
    assert digest == "a4b8e5c5d02db86cfea80ae6e2b70946bab6f349070f6dcd82fd772c3a34b418"


def test_different_seeds_give_different_markets() -> None:
    first, second = _run(1, 3), _run(2, 3)
    assert [e.id for e in first[-1].events] != [e.id for e in second[-1].events]
    assert first[-1].events != second[-1].events


def test_snapshot_is_stamped_with_the_clock_and_lists_catalogues() -> None:
    provider = SimulatorProvider(3, clock=FakeClock(START))
    snapshot = provider.fetch()
    assert snapshot.fetched_at == START
    assert snapshot.source == provider.name == "simulator"
    assert {s.key for s in snapshot.sports} >= {"basketball_nba", "soccer_epl", "soccer_spain_la_liga"}
    assert {b.key: b.region for b in snapshot.bookmakers}["pinnacle"] == "eu"
    assert len(snapshot.events) == 24


def test_every_snapshot_is_well_formed(history: list[Snapshot]) -> None:
    for snapshot, event, book, market in _markets(history):
        assert event.status in ("upcoming", "live"), "completed events carry no bookmakers"
        assert market.last_update is not None
        assert market.last_update <= snapshot.fetched_at
        assert market.period == "full"
        assert all(o.price > 1.0 for o in market.outcomes), (book, market)
        names = [o.name for o in market.outcomes]
        if market.key == "h2h":
            expected = [event.home_team, event.away_team] + (["Draw"] if event.sport_key in SOCCER else [])
            assert names == expected
            assert all(o.point is None for o in market.outcomes)
        elif market.key == "spreads":
            home, away = market.outcomes
            assert names == [event.home_team, event.away_team]
            assert home.point is not None
            assert away.point == -home.point
            assert event.sport_key not in SOCCER
        else:
            assert market.key == "totals"
            over, under = market.outcomes
            assert names == ["Over", "Under"]
            assert over.point is not None
            assert over.point == under.point
            assert over.point > 0


def test_event_times_and_status_follow_the_clock(history: list[Snapshot]) -> None:
    for snapshot in history:
        assert snapshot.fetched_at.tzinfo is not None
        for event in snapshot.events:
            assert event.commence_time.tzinfo is not None
            if event.status == "upcoming":
                assert event.commence_time > snapshot.fetched_at
                assert event.commence_time <= snapshot.fetched_at + timedelta(hours=48) / 60
            else:
                assert event.commence_time <= snapshot.fetched_at


def test_sharp_books_hold_two_to_three_percent_and_soft_books_four_to_eight(history: list[Snapshot]) -> None:
    seen: Counter[str] = Counter()
    for _, _, book, market in _markets(history):
        if market.key != "h2h":
            continue
        overround = sum(1.0 / o.price for o in market.outcomes) - 1.0
        rounding = sum(_tick(o.price) / (o.price - _tick(o.price)) ** 2 for o in market.outcomes)
        low, high = (0.02, 0.03) if book in SHARP else (0.04, 0.08)
        assert low - 1e-9 <= overround <= high + rounding, (book, market)
        seen["sharp" if book in SHARP else "soft"] += 1
    assert seen["sharp"] > 1000
    assert seen["soft"] > 1000


def _fair(market: MarketQuote) -> dict[str, float]:
    implied = [1.0 / o.price for o in market.outcomes]
    total = sum(implied)
    return {o.name: total / p for o, p in zip(market.outcomes, implied, strict=True)}


def _line(market: MarketQuote) -> tuple[str, float | None]:
    return market.key, market.outcomes[0].point


def test_soft_prices_above_pinnacles_fair_price_appear(history: list[Snapshot]) -> None:
    value_bets = 0
    for snapshot in history:
        for event in snapshot.events:
            pinnacle = {
                _line(m): _fair(m) for b in event.bookmakers if b.key == "pinnacle" for m in b.markets
            }
            for book in event.bookmakers:
                if book.key not in SOFT:
                    continue
                for market in book.markets:
                    fair = pinnacle.get(_line(market))
                    if fair is not None:
                        value_bets += sum(o.price > fair[o.name] for o in market.outcomes)
    assert value_bets > 0


def test_middles_appear_books_on_different_points(history: list[Snapshot]) -> None:
    middles = 0
    for snapshot in history:
        for event in snapshot.events:
            lines = [
                (m.outcomes[0].point, m.outcomes[1].point)
                for b in event.bookmakers
                for m in b.markets
                if m.key == "totals"
            ]
            overs = [o for o, _ in lines if o is not None]
            unders = [u for _, u in lines if u is not None]
            # Over at the lowest total and Under at the highest: both win for a result in between
            middles += bool(overs) and min(overs) < max(unders)
    assert middles > 0


def test_arbitrage_appears_at_least_once(history: list[Snapshot]) -> None:
    arbitrages = 0
    for snapshot in history:
        for event in snapshot.events:
            best: dict[tuple[str, float | None], dict[str, float]] = {}
            for book in event.bookmakers:
                for market in book.markets:
                    prices = best.setdefault(_line(market), {})
                    for o in market.outcomes:
                        prices[o.name] = max(prices.get(o.name, 0.0), o.price)
            arbitrages += sum(
                len(prices) >= 2 and sum(1.0 / p for p in prices.values()) < 1.0 for prices in best.values()
            )
    assert arbitrages > 0


def test_soft_books_lag_while_sharp_books_reprice_every_fetch(history: list[Snapshot]) -> None:
    stale_soft = 0
    for snapshot, _, book, market in _markets(history[1:]):
        if book in SHARP:
            assert market.last_update == snapshot.fetched_at
        elif market.last_update is not None and market.last_update < snapshot.fetched_at:
            stale_soft += 1
    assert stale_soft > 0


def test_events_go_live_complete_with_scores_and_are_replaced(history: list[Snapshot]) -> None:
    completed: dict[str, int] = Counter()
    went_live: set[str] = set()
    for snapshot in history:
        statuses = Counter(e.status for e in snapshot.events)
        assert statuses["upcoming"] + statuses["live"] == 24
        for event in snapshot.events:
            if event.status == "live":
                went_live.add(event.id)
                assert event.home_score is not None
                assert event.away_score is not None
            if event.status == "completed":
                completed[event.id] += 1
                assert event.bookmakers == ()
                assert event.home_score is not None
                assert event.away_score is not None
                assert event.home_score >= 0
                assert event.away_score >= 0
                if event.sport_key not in SOCCER:
                    assert event.home_score != event.away_score
    assert len(completed) >= 10
    assert set(completed.values()) == {1}, "a completed event is reported exactly once"
    assert went_live & set(completed)
    first_ids = {e.id for e in history[0].events}
    last_ids = {e.id for e in history[-1].events}
    assert last_ids - first_ids, "new events were scheduled"


def test_live_scores_never_go_down(history: list[Snapshot]) -> None:
    last: dict[str, tuple[int, int]] = {}
    for snapshot in history:
        for event in snapshot.events:
            if event.home_score is None or event.away_score is None:
                continue
            previous = last.get(event.id, (0, 0))
            assert event.home_score >= previous[0]
            assert event.away_score >= previous[1]
            last[event.id] = (event.home_score, event.away_score)


def test_soccer_has_draw_and_no_spreads_us_sports_have_spreads_and_totals(history: list[Snapshot]) -> None:
    keys: dict[str, set[str]] = {}
    for _, event, _, market in _markets(history):
        keys.setdefault(event.sport_key, set()).add(market.key)
    assert keys["soccer_epl"] == {"h2h", "totals"}
    assert keys["basketball_nba"] == {"h2h", "spreads", "totals"}


def test_n_books_adds_synthetic_soft_books() -> None:
    provider = SimulatorProvider(5, n_events=4, n_books=20, clock=FakeClock(START))
    snapshot = provider.fetch()
    keys = [b.key for b in snapshot.bookmakers]
    assert len(keys) == 20
    assert keys[: len(BOOKMAKERS)] == [b.key for b in BOOKMAKERS]
    assert keys[-1] == "softbook_20"
    quoted = {b.key for e in snapshot.events for b in e.bookmakers}
    assert "softbook_20" in quoted


def test_n_books_below_the_table_takes_its_first_books() -> None:
    snapshot = SimulatorProvider(5, n_events=4, n_books=2, clock=FakeClock(START)).fetch()
    assert [b.key for b in snapshot.bookmakers] == ["pinnacle", "betfair_ex_eu"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_events": -1}, "n_events"), ({"time_scale": 0.0}, "time_scale"), ({"n_books": 0}, "n_books")],
)
def test_invalid_parameters_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimulatorProvider(1, **kwargs)


def test_a_clock_going_backwards_freezes_the_market() -> None:
    clock = FakeClock(START)
    provider = SimulatorProvider(9, clock=clock)
    provider.fetch()
    clock.advance(5 * 60)
    ahead = provider.fetch()
    clock.advance(-4 * 60)
    back = provider.fetch()
    still_on = [(e.id, e.status, e.home_score, e.away_score) for e in ahead.events if e.status != "completed"]
    assert [(e.id, e.status, e.home_score, e.away_score) for e in back.events] == still_on
