"""What a call costs before it is made, the credit month and day, and each sport's cadence from its start
times (pure: no HTTP, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fairedge.odds.providers.the_odds_api import costs
from fairedge.odds.providers.the_odds_api.cadence import (
    Cadence,
    SportCosts,
    budget_stretch,
    is_due,
    plan_sports,
)
from fairedge.odds.providers.the_odds_api.feed import (
    CreditLimits,
    MemoryFeedStore,
    Quota,
    budget_from,
    key_ref,
    period_bounds,
)

NOW = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
COSTS = SportCosts(odds=9, per_event=0, inplay=0)


def test_odds_cost_is_markets_times_regions_and_ten_bookmakers_make_a_region() -> None:
    assert costs.odds_cost(("h2h", "spreads", "totals"), ("us", "eu", "uk"), ()) == 9
    assert costs.odds_cost(("h2h",), ("us",), [f"book{i}" for i in range(10)]) == 1
    assert costs.odds_cost(("h2h", "totals"), ("us",), [f"book{i}" for i in range(11)]) == 4  # 2 markets x 2
    assert costs.historical_odds_cost(("h2h", "spreads"), ("us", "eu"), ()) == 40
    assert costs.event_odds_cost(("player_points", "player_assists"), ("us",), ()) == 2
    assert (costs.scores_cost(1), costs.scores_cost(None)) == (2, 1)


def test_featured_markets_go_in_one_call_the_others_per_event() -> None:
    assert costs.split_markets(("h2h", "player_points", "totals", "alternate_spreads")) == (
        ("h2h", "totals"),
        ("player_points", "alternate_spreads"),
    )


@pytest.mark.parametrize(
    ("today", "reset_day", "start", "end"),
    [
        (date(2026, 1, 15), 1, date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 1, 15), 20, date(2025, 12, 20), date(2026, 1, 20)),
        (date(2026, 12, 20), 20, date(2026, 12, 20), date(2027, 1, 20)),
    ],
)
def test_the_credit_month_runs_from_the_reset_day(
    today: date, reset_day: int, start: date, end: date
) -> None:
    assert period_bounds(today, reset_day) == (start, end)


def test_the_day_budget_unset_spreads_what_is_left_of_the_month_over_its_days() -> None:
    limits = CreditLimits(per_month=1700, reset_day=1)
    # 15 Jan: 17 days left with today; 200 spent before today, 30 today.
    budget = budget_from(limits, month_spent=230, day_spent=30, now=NOW)
    assert budget.day_limit == (1700 - 200) // 17
    assert budget.day_left == 88 - 30
    assert budget.month_left == 1470
    assert budget.left == 58
    assert budget.allows(58) and not budget.allows(59)
    assert budget.allows(0)  # a free call never breaks a budget
    fixed = budget_from(CreditLimits(per_month=None, per_day=100), month_spent=5000, day_spent=99, now=NOW)
    assert (fixed.month_left, fixed.left) == (None, 1)
    unlimited = budget_from(CreditLimits(), month_spent=10**6, day_spent=10**5, now=NOW)
    assert unlimited.left is None and unlimited.allows(10**6)


def test_memory_store_counts_credits_per_day_and_keeps_the_quota() -> None:
    store = MemoryFeedStore(CreditLimits(per_month=1000, per_day=50))
    store.charge(NOW, 9, Quota(remaining=491, used=9, last=9, at=NOW))
    store.charge(NOW - timedelta(days=1), 20, Quota())
    store.charge(NOW - timedelta(days=40), 500, Quota())  # last month: not counted
    budget = store.budget(NOW)
    assert (budget.day_spent, budget.month_spent, budget.left) == (9, 29, 41)
    assert store.quota() == Quota()  # the last charge's headers (that call sent none)


def test_a_key_is_named_by_a_digest_never_by_itself() -> None:
    ref = key_ref("k3y-5f1e2d3c4b5a69788796a5b4c3d2e1f0")
    assert ref.startswith("sha256:") and len(ref) == 17
    assert "k3y" not in ref and ref == key_ref("k3y-5f1e2d3c4b5a69788796a5b4c3d2e1f0")


# ---------------------------------------------------------------------------------------------------- cadence


def test_cadence_follows_start_times() -> None:
    starts = {
        "basketball_nba": [NOW + timedelta(minutes=40), NOW + timedelta(hours=3)],
        "icehockey_nhl": [NOW + timedelta(days=2)],
        "soccer_epl": [NOW - timedelta(minutes=30)],  # in play only
        "tennis_atp": [],
    }
    plans = {p.sport: p for p in plan_sports(starts, now=NOW, cadence=Cadence(), costs=COSTS, budget=None)}
    nba, nhl, epl, atp = (
        plans["basketball_nba"],
        plans["icehockey_nhl"],
        plans["soccer_epl"],
        plans["tennis_atp"],
    )
    assert (nba.reason, nba.cadence_seconds, nba.events_soon, nba.next_commence) == (
        "soon",
        60.0,
        2,
        NOW + timedelta(minutes=40),
    )
    assert (nhl.reason, nhl.cadence_seconds, nhl.events_soon) == ("idle", 600.0, 0)
    # In play without in-play markets: nothing to buy (scores are polled apart).
    assert (epl.reason, epl.events_live, epl.cycle_cost) == ("no_events", 1, 0)
    assert (atp.reason, atp.cadence_seconds, atp.cycle_cost) == ("no_events", 600.0, 0)
    assert nba.cycle_cost == nhl.cycle_cost == 9


def test_in_play_cadence_only_when_in_play_markets_are_configured() -> None:
    starts = {"soccer_epl": [NOW - timedelta(minutes=30), NOW + timedelta(hours=20)]}
    inplay = Cadence(inplay_markets=("h2h",))
    (plan,) = plan_sports(
        starts, now=NOW, cadence=inplay, costs=SportCosts(odds=9, per_event=0, inplay=3), budget=None
    )
    assert (plan.reason, plan.cadence_seconds, plan.cycle_cost) == ("live", 40.0, 12)
    (without,) = plan_sports(starts, now=NOW, cadence=Cadence(), costs=COSTS, budget=None)
    assert (without.reason, without.cadence_seconds) == ("idle", 600.0)


def test_per_event_markets_cost_one_call_per_event_starting_soon() -> None:
    starts = {"basketball_nba": [NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW + timedelta(days=1)]}
    (plan,) = plan_sports(
        starts, now=NOW, cadence=Cadence(), costs=SportCosts(odds=3, per_event=2, inplay=0), budget=None
    )
    assert plan.cycle_cost == 3 + 2 * 2


def test_a_budget_too_small_for_the_cadence_stretches_every_paid_cadence_alike() -> None:
    starts = {
        "basketball_nba": [NOW + timedelta(minutes=40)],
        "icehockey_nhl": [NOW + timedelta(days=2)],
        "tennis_atp": [],
    }
    # 6 hours to midnight, 540 credits left today: 0.025 credits/s; the sports would spend 9/60 + 9/600.
    budget = budget_from(CreditLimits(per_day=540), month_spent=0, day_spent=0, now=NOW)
    plans = {p.sport: p for p in plan_sports(starts, now=NOW, cadence=Cadence(), costs=COSTS, budget=budget)}
    factor = (9 / 60 + 9 / 600) / (540 / (6 * 3600))
    assert plans["basketball_nba"].cadence_seconds == pytest.approx(60 * factor, abs=0.1)
    assert plans["icehockey_nhl"].cadence_seconds == pytest.approx(600 * factor, abs=1)
    assert plans["basketball_nba"].base_cadence_seconds == 60.0
    assert plans["tennis_atp"].cadence_seconds == 600.0  # free: not stretched
    # At that pace, the rest of the day costs what is left of it.
    spend = sum(p.cycle_cost / p.cadence_seconds for p in plans.values()) * 6 * 3600
    assert spend == pytest.approx(540, rel=0.01)
    roomy = budget_from(CreditLimits(per_day=100_000), month_spent=0, day_spent=0, now=NOW)
    assert budget_stretch(list(plans.values()), roomy) == 1.0
    spent = budget_from(CreditLimits(per_day=10), month_spent=10, day_spent=10, now=NOW)
    assert budget_stretch(list(plans.values()), spent) == 1.0  # nothing left: the guard skips, no pace


def test_a_sport_is_due_once_its_cadence_has_passed() -> None:
    (plan,) = plan_sports(
        {"basketball_nba": [NOW + timedelta(hours=1)]}, now=NOW, cadence=Cadence(), costs=COSTS, budget=None
    )
    assert is_due(plan, None, NOW)
    assert not is_due(plan, NOW - timedelta(seconds=30), NOW)
    assert is_due(plan, NOW - timedelta(seconds=59), NOW)  # a tick that lands a moment early still polls
    (empty,) = plan_sports({"tennis_atp": []}, now=NOW, cadence=Cadence(), costs=COSTS, budget=None)
    assert not is_due(empty, None, NOW)


def test_cadence_and_limits_refuse_values_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="live_seconds"):
        Cadence(live_seconds=0)
    with pytest.raises(ValueError, match="reset day"):
        CreditLimits(reset_day=31)
