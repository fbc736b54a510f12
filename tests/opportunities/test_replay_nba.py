"""Replay of the reference NBA response through ingestion and the scan: the opportunities it must produce.

Worked by hand from the file (see docs/performance.md for the method): pinnacle and betfair_ex_eu (5%
commission) set the h2h fair line, pinnacle alone the spreads and totals lines.
- Knicks h2h at fanduel 2.70 against a fair ~2.66: +EV ≈ 1.5%, the only +EV bet at the 1% minimum.
- betmgm Over 231.5 at 2.03 against a fair ~2.01: +EV ≈ 0.96%, found only with a lower minimum.
- Two totals middles: Over 224.5 / Under 225.5 (225 wins both) and Over 231.5 / Under 232.5 (232).
- No arbitrage; the exchange's lay prices are stored but never offered as bets.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import REPLAY_EXAMPLE
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.models import Market
from fairedge.odds.providers.replay import ReplayProvider
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.scan import ScanConfig
from fairedge.opportunities.service import run_scan

RECORDED = datetime(2026, 1, 15, 18, 21, 44, tzinfo=UTC)  # when the example was fetched


@pytest.fixture
def replayed(session: Session, tmp_path: Path) -> Session:
    shutil.copy(REPLAY_EXAMPLE, tmp_path / "0001.json")
    snapshot = ReplayProvider(tmp_path).fetch()
    assert snapshot.fetched_at == RECORDED
    report = ingest_snapshot(session, snapshot, provider="replay")
    assert report.rejected == []
    return session


def scan_at(session: Session, config: ScanConfig, now: datetime = RECORDED) -> None:
    run_scan(session, config, now=now)


def _active(session: Session) -> list[Opportunity]:
    return list(session.execute(select(Opportunity).where(Opportunity.active)).scalars())


def test_replay_finds_the_knicks_value_bet(replayed: Session) -> None:
    scan_at(replayed, ScanConfig(methods=("shin",)))
    ev = [o for o in _active(replayed) if o.kind == "ev"]
    assert [(o.legs[0]["bookmaker"], o.legs[0]["outcome"], o.market_key, o.legs[0]["price"]) for o in ev] == [
        ("fanduel", "New York Knicks", "h2h", 2.7)
    ]
    bet = ev[0]
    assert bet.ev is not None and 0.012 < bet.ev < 0.02
    assert bet.sharp_books == ["betfair_ex_eu", "pinnacle"]
    assert bet.kelly_fraction is not None and 0 < bet.kelly_fraction < 0.02
    assert bet.devig_method == "shin"
    assert bet.confirmed_at == RECORDED


def test_lower_minimum_adds_the_betmgm_over(replayed: Session) -> None:
    scan_at(replayed, ScanConfig(methods=("shin",), min_ev=0.005))
    ev = {
        (o.legs[0]["bookmaker"], o.legs[0]["outcome"], o.legs[0]["point"])
        for o in _active(replayed)
        if o.kind == "ev"
    }
    assert ("betmgm", "Over", 231.5) in ev
    assert ("fanduel", "New York Knicks", None) in ev


def test_replay_finds_two_totals_middles_and_no_arbitrage(replayed: Session) -> None:
    scan_at(replayed, ScanConfig(methods=("shin",)))
    middles = sorted(
        ((o.window_low, o.window_high), [leg["bookmaker"] for leg in o.legs])
        for o in _active(replayed)
        if o.kind == "middle"
    )
    assert middles == [((224.5, 225.5), ["pinnacle", "draftkings"]), ((231.5, 232.5), ["betmgm", "fanduel"])]
    assert [o for o in _active(replayed) if o.kind == "arbitrage"] == []


def test_lay_prices_are_stored_but_never_bets(replayed: Session) -> None:
    assert replayed.execute(select(Market.id).where(Market.key == "h2h_lay")).first() is not None
    scan_at(replayed, ScanConfig(methods=("shin",), min_ev=-1.0))
    assert all(o.market_key != "h2h_lay" for o in _active(replayed))


def test_rescan_keeps_identity_and_closes_vanished(replayed: Session) -> None:
    scan_at(replayed, ScanConfig(methods=("shin",)))
    first = {o.key: o.id for o in _active(replayed)}
    scan_at(replayed, ScanConfig(methods=("shin",)))
    assert {o.key: o.id for o in _active(replayed)} == first
    assert all(o.scan_count == 2 for o in _active(replayed))
    scan_at(replayed, ScanConfig(methods=("shin",), min_ev=0.5))  # nothing is +50%: the EV bet vanishes
    ended = replayed.execute(select(Opportunity).where(Opportunity.kind == "ev")).scalars().all()
    assert len(ended) == 1 and not ended[0].active and ended[0].ended_at is not None
    assert ended[0].end_reason == "gone"


def test_an_unshifted_replay_today_offers_nothing(replayed: Session) -> None:
    # The recorded games started long ago: the scan prices pre-match markets only.
    scan_at(replayed, ScanConfig(methods=("shin",)), now=RECORDED + timedelta(days=300))
    assert _active(replayed) == []


def test_scan_of_an_empty_store_finds_nothing(session: Session) -> None:
    report = run_scan(session, ScanConfig(), now=RECORDED)
    assert (report.prices, report.found, report.inserted) == (
        0,
        dict.fromkeys(("ev", "arbitrage", "middle"), 0),
        0,
    )
