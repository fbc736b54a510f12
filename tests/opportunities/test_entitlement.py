"""A plan applied to opportunities: scope (kind, market, sport), then the delay, then the cap (both backends).

The board: an NBA game on the board since T0 (an h2h arbitrage, an h2h +EV bet, a totals middle) and an EPL
game found 400 s later (h2h and totals arbitrages, h2h and totals +EV bets). Read at T0+400 s, the free plan
(+EV bets, h2h, 5 minutes late, 20 at most) shows the NBA +EV bet only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from conftest import make_settings
from factories import T0, book, event, h2h, snapshot, totals
from fairedge.billing.plans import Plan, plans
from fairedge.errors import PlanLimitReached
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.opportunities.entitlement import Entitlement
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import (
    OpportunityFilter,
    OpportunityList,
    get_opportunity,
    list_opportunities,
    run_scan,
)

FOUND_LATER = T0 + timedelta(seconds=400)
PLANS = plans(make_settings("sqlite://"))
FREE, LOCAL = PLANS["free"], PLANS["local"]


def plan_board(session: Session) -> None:
    nba = event(
        "nba",
        book("pinnacle", h2h(1.95, 1.95), totals(220.5, 1.95, 1.95)),
        book("fanduel", h2h(2.10, 1.80), totals(222.5, 1.80, 2.02)),
    )
    epl = event(
        "epl",
        book("pinnacle", h2h(1.95, 1.95), totals(2.5, 1.95, 1.95)),
        book("fanduel", h2h(2.10, 1.80), totals(2.5, 1.80, 2.10)),
        sport="soccer_epl",
        commence=T0 + timedelta(days=1),
    )
    ingest_snapshot(session, snapshot(nba), provider="test")
    run_scan(session, ScanConfig(), now=T0)
    ingest_snapshot(session, snapshot(nba, epl, at=FOUND_LATER), provider="test")
    run_scan(session, ScanConfig(), now=FOUND_LATER)


@pytest.fixture
def board(session: Session) -> Session:
    plan_board(session)
    return session


def _list(
    session: Session,
    plan: Plan,
    f: OpportunityFilter | None = None,
    *,
    now: datetime = FOUND_LATER,
    offset: int = 0,
    limit: int = 50,
) -> OpportunityList:
    return list_opportunities(
        session,
        f or OpportunityFilter(),
        plan,
        now=now,
        max_age_seconds=900,
        sort="ev",
        offset=offset,
        limit=limit,
    )


def _described(found: OpportunityList) -> list[tuple[str, str, str]]:
    return sorted((o.kind, s.key, o.market_key) for o, _, s in found.rows)


def _hidden(found: OpportunityList) -> dict[str, int]:
    return {w.reason: w.count for w in found.withheld}


def test_local_plan_shows_everything_and_hides_nothing(board: Session) -> None:
    found = _list(board, LOCAL)
    assert found.total == len(found.rows) == 7
    assert found.withheld == [] and found.plan == "local"


def test_free_plan_withholds_by_kind_market_and_delay_and_the_counts_add_up(board: Session) -> None:
    found = _list(board, FREE)
    assert _described(found) == [("ev", "basketball_nba", "h2h")]
    assert found.total == 1
    # Each opportunity under the first rule it fails: the EPL totals arbitrage is a kind, not a market.
    assert [(w.reason, w.count) for w in found.withheld] == [("kind", 4), ("market", 1), ("delay", 1)]
    assert found.total + sum(w.count for w in found.withheld) == 7
    assert found.withheld[0].message == "Free shows +EV bets only; upgrade for arbitrage and middles"


def test_a_plan_withholds_exactly_when_one_of_its_rules_can(board: Session) -> None:
    # What the live stream relies on to skip re-reading `hidden` for plans that can hide nothing.
    for plan in (LOCAL, PLANS["elite"]):
        assert not plan.withholds and _list(board, plan).withheld == [], plan.name
    for plan in (
        FREE,
        PLANS["pro"],  # no middles
        replace(LOCAL, name="markets", markets=frozenset({"h2h"})),
        replace(LOCAL, name="sports", sports=frozenset({"soccer"})),
        replace(LOCAL, name="delay", delay_seconds=60),
        replace(LOCAL, name="cap", max_results=3),
    ):
        assert plan.withholds and _list(board, plan).withheld, plan.name


def test_the_delay_passes_and_the_opportunity_shows(board: Session) -> None:
    found = _list(board, FREE, now=FOUND_LATER + timedelta(seconds=300))
    assert _described(found) == [("ev", "basketball_nba", "h2h"), ("ev", "soccer_epl", "h2h")]
    assert "delay" not in _hidden(found)
    assert _list(board, FREE, now=FOUND_LATER + timedelta(seconds=299)).total == 1


def test_the_cap_bounds_the_total_across_pages(board: Session) -> None:
    capped = replace(LOCAL, max_results=3)
    first = _list(board, capped, limit=2)
    assert first.total == 3 and len(first.rows) == 2
    assert _hidden(first) == {"cap": 4}
    second = _list(board, capped, offset=2, limit=2)
    assert len(second.rows) == 1  # the page stops at the cap
    assert {o.id for o, _, _ in first.rows}.isdisjoint(o.id for o, _, _ in second.rows)
    past = _list(board, capped, offset=3)
    assert past.rows == [] and past.total == 3 and _hidden(past) == {"cap": 4}


def test_the_cap_keeps_the_best_in_the_requested_order(board: Session) -> None:
    (best,) = _list(board, replace(LOCAL, max_results=1)).rows
    assert best[0].id == _list(board, LOCAL).rows[0][0].id


def test_sport_groups_outside_the_plan_are_withheld(board: Session) -> None:
    basketball = replace(LOCAL, sports=frozenset({"Basketball"}))
    found = _list(board, basketball)
    assert {s.key for _, _, s in found.rows} == {"basketball_nba"} and found.total == 3
    assert _hidden(found) == {"sport": 4}
    # A sport key's prefix names its group too, as the sport filter reads it.
    soccer = _list(board, replace(LOCAL, sports=frozenset({"soccer"})))
    assert {s.key for _, _, s in soccer.rows} == {"soccer_epl"} and _hidden(soccer) == {"sport": 3}


def test_hidden_counts_only_what_the_callers_own_filters_match(board: Session) -> None:
    found = _list(board, FREE, OpportunityFilter(sport="soccer"))
    assert found.rows == []
    assert _hidden(found) == {"kind": 2, "market": 1, "delay": 1}


@pytest.mark.parametrize(
    ("f", "hidden"),
    [
        (OpportunityFilter(kinds=("middle",)), {"kind": 1}),
        (OpportunityFilter(kinds=("ev",), market="totals"), {"market": 1}),
    ],
)
def test_a_filter_outside_the_plan_is_an_empty_answer_that_says_why(
    board: Session, f: OpportunityFilter, hidden: dict[str, int]
) -> None:
    found = _list(board, FREE, f)
    assert found.rows == [] and found.total == 0
    assert _hidden(found) == hidden


def test_one_opportunity_outside_the_plan_is_plan_limit_with_the_reason(board: Session) -> None:
    by_kind = {(o.kind, s.key, o.market_key): o.id for o, _, s in _list(board, LOCAL).rows}
    shown = by_kind[("ev", "basketball_nba", "h2h")]
    assert get_opportunity(board, shown, FREE, now=FOUND_LATER)[0].id == shown
    for key, reason in [
        (("arbitrage", "basketball_nba", "h2h"), "kind"),
        (("ev", "soccer_epl", "totals"), "market"),
        (("ev", "soccer_epl", "h2h"), "delay"),
    ]:
        with pytest.raises(PlanLimitReached) as refused:
            get_opportunity(board, by_kind[key], FREE, now=FOUND_LATER)
        assert isinstance(refused.value.details, dict)
        assert refused.value.details["reason"] == reason and refused.value.details["plan"] == "free"
        assert get_opportunity(board, by_kind[key], LOCAL, now=FOUND_LATER)[0].id == by_kind[key]
    with pytest.raises(PlanLimitReached) as late:
        get_opportunity(board, by_kind[("ev", "soccer_epl", "h2h")], FREE, now=FOUND_LATER)
    assert isinstance(late.value.details, dict)
    assert late.value.details["shown_from"] == (FOUND_LATER + timedelta(seconds=300)).isoformat()
    assert "5 minutes" in late.value.message


def test_messages_say_what_the_plan_shows() -> None:
    free = Entitlement(FREE, T0)
    assert free.message("market") == "Free shows h2h markets only; upgrade for every market"
    assert free.message("delay").startswith("Free shows an opportunity once it has been on the board for 5")
    assert free.message("cap") == "Free shows at most 20 opportunities per list; upgrade for all"
    pro = Entitlement(PLANS["pro"], T0)
    assert pro.message("kind") == "Pro shows +EV bets and arbitrage only; upgrade for middles"
    sporty = Entitlement(replace(FREE, sports=frozenset({"soccer", "basketball"}), delay_seconds=90), T0)
    assert sporty.message("sport") == "Free shows basketball and soccer only; upgrade for every sport"
    assert "90 seconds" in sporty.message("delay")
