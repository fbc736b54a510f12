"""The store's reads and retention: the board as the scan reads it, an event's board, line history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot, totals
from fairedge.odds import repository, service
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.models import Event, QuoteHistory
from fairedge.odds.providers.base import BookmakerQuote

T1, T2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)


def _refresh(session: Session, *books: BookmakerQuote, at: datetime = T0, **kw: Any) -> None:
    ingest_snapshot(session, snapshot(event("e1", *books, **kw), at=at), provider="test")


def test_board_has_one_entry_per_price_confirmed_by_the_last_refresh(session: Session) -> None:
    stamp = T0 - timedelta(minutes=5)
    _refresh(
        session,
        book("pinnacle", h2h(2.5, 3.0, 3.2), updated=stamp),
        book("fanduel", totals(210.5, 1.9, 1.95)),
    )
    _refresh(
        session,
        book("pinnacle", h2h(2.5, 3.0, 3.2), updated=stamp),
        book("fanduel", totals(210.5, 1.9, 1.95)),
        at=T1,
    )
    board = repository.load_board(session, now=T1)
    entries = sorted(
        zip(board.outcome_index.tolist(), board.price.tolist(), board.book_updated_at.tolist(), strict=True)
    )
    assert entries == sorted(
        [(0, 2.5, stamp.timestamp()), (1, 3.0, stamp.timestamp()), (2, 3.2, stamp.timestamp()),
         (0, 1.9, T0.timestamp()), (1, 1.95, T0.timestamp())]
    )  # fmt: skip
    assert set(board.confirmed_at.tolist()) == {T1.timestamp()}  # the event's last refresh
    assert board.market_id.dtype.kind == "i" and board.bookmaker_id.size == 5


def test_board_leaves_out_started_events(session: Session) -> None:
    _refresh(session, book("pinnacle", h2h(1.9, 2.0)), commence=T0 + timedelta(hours=1))
    assert repository.load_board(session, now=T0 + timedelta(hours=2)).price.size == 0
    assert repository.load_board(session, now=T0).price.size == 2


def test_event_board_lists_every_current_price(session: Session) -> None:
    _refresh(session, book("pinnacle", h2h(1.9, 2.0)), book("fanduel", h2h(1.85, 2.05)))
    ev = session.execute(select(Event)).scalar_one()
    rows = repository.event_board(session, ev.id)
    assert [(b.key, p.outcome_index, p.price) for _, p, b in rows] == [
        ("fanduel", 0, 1.85),
        ("fanduel", 1, 2.05),
        ("pinnacle", 0, 1.9),
        ("pinnacle", 1, 2.0),
    ]


def test_history_is_each_outcome_s_changes(session: Session) -> None:
    _refresh(session, book("pinnacle", h2h(1.9, 2.0)))
    _refresh(session, book("pinnacle", h2h(1.9, 2.1)), at=T1)  # only the away price moves
    _refresh(session, at=T2)  # pinnacle pulls the line
    ev = session.execute(select(Event)).scalar_one()
    _, series = service.event_history(session, ev.id, market=None, bookmaker=None, limit=100)
    home, away = series
    assert (home["outcome"], away["outcome"]) == ("Home", "Away")
    assert [(p.price, p.first_seen, p.last_seen, p.superseded_at) for p in home["points"]] == [
        (1.9, T0, T1, T2)
    ]
    assert [(p.price, p.first_seen, p.last_seen, p.superseded_at) for p in away["points"]] == [
        (2.0, T0, T0, T1),
        (2.1, T1, T1, T2),
    ]


def test_history_of_a_current_price_is_open(session: Session) -> None:
    _refresh(session, book("pinnacle", h2h(1.9, 2.0)))
    _refresh(session, book("pinnacle", h2h(1.9, 2.0)), at=T1)
    ev = session.execute(select(Event)).scalar_one()
    _, series = service.event_history(session, ev.id, market="h2h", bookmaker="pinnacle", limit=1)
    assert len(series) == 1  # the limit counts points
    [point] = series[0]["points"]
    assert (point.price, point.last_seen, point.superseded_at) == (1.9, T1, None)


@pytest.mark.parametrize("tiny", [True, False])
def test_prune_walks_the_history_range_by_range(
    session: Session, monkeypatch: pytest.MonkeyPatch, tiny: bool
) -> None:
    if tiny:
        monkeypatch.setattr(repository, "HISTORY_BATCH_BLOCKS", 1)
        monkeypatch.setattr(repository, "HISTORY_BATCH_ROWS", 1)
    for minute in range(4):
        price = 1.9 + minute / 100
        _refresh(session, book("pinnacle", h2h(price, 2.0)), at=T0 + timedelta(minutes=minute))
    assert session.execute(select(func.count()).select_from(QuoteHistory)).scalar_one() == 3
    stats = repository.prune_history(session, T0 + timedelta(minutes=2))  # last seen at T0 and T0 + 1
    assert stats.prices == 2
    left = session.execute(select(QuoteHistory.price_0)).scalars().all()
    assert left == [1.92]
