"""Closing lines from the stored history: each book's last price before the start and the fair line at that
moment, for a recorded sequence of refreshes; served at /api/events/{id}/closing. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conftest import make_settings
from factories import T0, book, event, h2h, snapshot
from fairedge.app import create_app
from fairedge.db.engine import make_engine
from fairedge.odds.closing import capture_closing_lines
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.models import Bookmaker, ClosingCapture, ClosingFairLine, ClosingQuote, Event
from fairedge.pricing.devig import METHODS, devig
from scratch_db import migrated_scratch

START = T0 + timedelta(hours=6)  # the factories' events start then
SEQUENCE = [  # (when, pinnacle, draftkings, fanduel): one refresh each; None: the book has no price
    (T0, (1.90, 2.00), (1.85, 2.05), (1.95, 1.95)),
    (T0 + timedelta(hours=1), (1.80, 2.10), (1.85, 2.05), (2.00, 1.90)),
    (START - timedelta(minutes=5), (1.75, 2.20), (1.83, 2.08), None),  # fanduel pulls its line
    (START + timedelta(minutes=10), (1.40, 3.10), (1.45, 2.90), (1.50, 2.80)),  # in play: not the close
]
CLOSE = {"pinnacle": (1.75, 2.20), "draftkings": (1.83, 2.08), "fanduel": (2.00, 1.90)}


def _record(session: Session) -> None:
    for when, *prices in SEQUENCE:
        books = [
            book(key, h2h(*quote))
            for key, quote in zip(("pinnacle", "draftkings", "fanduel"), prices, strict=True)
            if quote is not None
        ]
        ingest_snapshot(session, snapshot(event("evt1", *books, commence=START), at=when), provider="test")


def _event_id(session: Session) -> int:
    return session.execute(select(Event.id).where(Event.provider_id == "evt1")).scalar_one()


def test_closing_lines_are_the_last_prices_before_the_start_and_the_sharp_fair_line_then(
    session: Session,
) -> None:
    _record(session)
    assert capture_closing_lines(session, now=START - timedelta(minutes=1), max_age_seconds=900) == 0

    assert capture_closing_lines(session, now=START + timedelta(minutes=15), max_age_seconds=900) == 1

    event_id = _event_id(session)
    books = dict(session.execute(select(Bookmaker.id, Bookmaker.key)).all())
    quotes = session.execute(select(ClosingQuote).where(ClosingQuote.event_id == event_id)).scalars().all()
    assert {books[q.bookmaker_id]: (q.price_0, q.price_1) for q in quotes} == CLOSE
    fanduel = next(q for q in quotes if books[q.bookmaker_id] == "fanduel")
    assert fanduel.first_seen == T0 + timedelta(hours=1)
    assert fanduel.confirmed_at == T0 + timedelta(hours=1)  # pulled after: last carried by that refresh
    pinnacle = next(q for q in quotes if books[q.bookmaker_id] == "pinnacle")
    assert pinnacle.confirmed_at == START - timedelta(minutes=5)

    lines = {
        line.method: line
        for line in session.execute(
            select(ClosingFairLine).where(ClosingFairLine.event_id == event_id)
        ).scalars()
    }
    assert set(lines) == set(METHODS)
    for method, line in lines.items():
        expected = devig(np.array(CLOSE["pinnacle"]), method)  # the one sharp book at the close
        assert (line.prob_0, line.prob_1) == pytest.approx(tuple(expected), abs=1e-9), method
        assert line.prob_2 is None
        assert line.source == "sharp" and line.sharp_books == ["pinnacle"]
    capture = session.get(ClosingCapture, event_id)
    assert capture is not None and capture.quotes == 3 and capture.commence_time == START
    # Captured once: a later run finds nothing new.
    assert capture_closing_lines(session, now=START + timedelta(hours=1), max_age_seconds=900) == 0


def test_a_sharp_quote_too_old_at_the_start_leaves_the_consensus(session: Session) -> None:
    sharp, soft = book("pinnacle", h2h(1.90, 2.00)), book("draftkings", h2h(1.85, 2.05))
    ingest_snapshot(session, snapshot(event("evt1", sharp, soft), at=T0), provider="test")
    late = book("draftkings", h2h(1.83, 2.08)), book("fanduel", h2h(2.00, 1.90))
    ingest_snapshot(session, snapshot(event("evt1", *late), at=START - timedelta(minutes=2)), provider="test")

    capture_closing_lines(session, now=START + timedelta(minutes=1), max_age_seconds=300)

    event_id = _event_id(session)
    books = dict(session.execute(select(Bookmaker.id, Bookmaker.key)).all())
    quotes = session.execute(select(ClosingQuote).where(ClosingQuote.event_id == event_id)).scalars().all()
    assert {books[q.bookmaker_id]: (q.price_0, q.price_1) for q in quotes}["pinnacle"] == (1.90, 2.00)
    line = session.execute(
        select(ClosingFairLine).where(ClosingFairLine.event_id == event_id, ClosingFairLine.method == "shin")
    ).scalar_one()
    assert line.source == "consensus" and line.sharp_books == []  # pinnacle's last quote was 6 hours old
    assert line.prob_0 is not None and line.prob_1 is not None
    assert line.prob_0 + line.prob_1 == pytest.approx(1.0)


def test_a_postponed_event_is_captured_again_at_its_new_start(session: Session) -> None:
    _record(session)
    capture_closing_lines(session, now=START + timedelta(minutes=15), max_age_seconds=900)
    later = START + timedelta(days=1)
    event_id = _event_id(session)
    session.execute(update(Event).where(Event.id == event_id).values(commence_time=later))
    ingest_snapshot(
        session,
        snapshot(
            event("evt1", book("pinnacle", h2h(1.60, 2.50)), commence=later), at=later - timedelta(hours=1)
        ),
        provider="test",
    )

    assert capture_closing_lines(session, now=START + timedelta(hours=2), max_age_seconds=900) == 0
    assert capture_closing_lines(session, now=later + timedelta(minutes=1), max_age_seconds=900) == 1

    books = dict(session.execute(select(Bookmaker.id, Bookmaker.key)).all())
    quotes = session.execute(select(ClosingQuote).where(ClosingQuote.event_id == event_id)).scalars().all()
    assert {books[q.bookmaker_id]: (q.price_0, q.price_1) for q in quotes}["pinnacle"] == (1.60, 2.50)
    assert session.get(ClosingCapture, event_id).commence_time == later  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------------- the API


@pytest.fixture
def app_database(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: the app's background probe shares no connection with the test."""
    with migrated_scratch(db_backend, tmp_path, "fairedge_closing") as url:
        yield url


def test_the_api_serves_the_closing_line_by_devig_method(app_database: str) -> None:
    engine = make_engine(make_settings(app_database))
    try:
        with TestClient(create_app(make_settings(app_database))) as client:
            with Session(engine) as session, session.begin():
                _record(session)
                event_id = _event_id(session)
            before = client.get(f"/api/events/{event_id}/closing")
            with Session(engine) as session, session.begin():
                capture_closing_lines(session, now=START + timedelta(minutes=15), max_age_seconds=900)
            body = client.get(f"/api/events/{event_id}/closing", params={"method": "power"}).json()
            missing = client.get("/api/events/999999/closing")
            refused = client.get(f"/api/events/{event_id}/closing", params={"method": "guess"})
    finally:
        engine.dispose()
    assert before.status_code == 200
    assert before.json()["captured_at"] is None and before.json()["markets"] == []

    assert body["event"]["id"] == event_id and body["devig_method"] == "power"
    (market,) = body["markets"]
    assert (market["market"], market["fair_source"], market["sharp_books"]) == ("h2h", "sharp", ["pinnacle"])
    home, away = market["outcomes"]
    assert [(p["bookmaker"], p["price_decimal"]) for p in home["prices"]] == [
        ("fanduel", 2.00),
        ("draftkings", 1.83),
        ("pinnacle", 1.75),
    ]
    assert home["best_price"] == 2.00 and home["prices"][0]["is_best"]
    fair = devig(np.array(CLOSE["pinnacle"]), "power")
    assert (home["fair_prob"], away["fair_prob"]) == pytest.approx(tuple(fair))
    assert home["fair_odds_decimal"] == pytest.approx(1 / fair[0])
    assert missing.status_code == 404
    assert refused.status_code == 422
