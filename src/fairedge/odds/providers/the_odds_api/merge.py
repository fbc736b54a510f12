"""Pure merges of what several calls said about the same events (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from fairedge.odds.providers.base import BookmakerQuote, EventOdds

__all__ = ["add_markets", "with_scores"]


def add_markets(events: dict[str, EventOdds], extra: Iterable[EventOdds]) -> None:
    """Add the markets of per-event answers to ``events`` (by id), book by book; a market key the event
    already has from a book is kept as it was."""
    for event in extra:
        known = events.get(event.id)
        if known is None:
            events[event.id] = event
            continue
        books = {b.key: b for b in known.bookmakers}
        for book in event.bookmakers:
            have = books.get(book.key)
            if have is None:
                books[book.key] = book
                continue
            keys = {(m.key, m.period) for m in have.markets}
            added = tuple(m for m in book.markets if (m.key, m.period) not in keys)
            books[book.key] = BookmakerQuote(have.key, have.title, have.markets + added, have.last_update)
        events[event.id] = replace(known, bookmakers=tuple(books.values()))


def with_scores(
    events: Sequence[EventOdds], scored: Sequence[EventOdds], *, add_live: bool
) -> list[EventOdds]:
    """``events`` with the scores of ``/scores``: completed games lose their bookmakers (ingestion then
    closes their lines) and are added when absent; live games get their current score, and with
    ``add_live`` are added when absent, without bookmakers (their pre-match lines end at the start)."""
    by_id = {e.id: e for e in scored}
    merged: list[EventOdds] = []
    for event in events:
        score = by_id.pop(event.id, None)
        if score is None:
            merged.append(event)
        elif score.status == "completed":
            merged.append(
                replace(
                    event,
                    status="completed",
                    bookmakers=(),
                    home_score=score.home_score,
                    away_score=score.away_score,
                )
            )
        elif score.home_score is not None or score.away_score is not None:
            merged.append(replace(event, home_score=score.home_score, away_score=score.away_score))
        else:
            merged.append(event)
    merged.extend(e for e in by_id.values() if e.status == "completed" or (add_live and e.status == "live"))
    return merged
