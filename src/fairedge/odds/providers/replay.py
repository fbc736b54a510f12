"""Replay recorded The Odds API responses from a folder, one file per refresh.

The folder's ``*.json`` files (a ``/odds`` list, one event object or a historical wrapper each) are listed
once, at construction, and sorted by file name; every :meth:`ReplayProvider.fetch` plays the next one through
:func:`~fairedge.odds.providers.odds_api_format.parse_snapshot`. The snapshot time is the wrapper's
``timestamp``, else the newest ``last_update`` in the file, else the file's modification time.

After the last file: ``loop=False`` keeps returning the last snapshot (``exhausted`` is then True: nothing
new will come); ``loop=True`` starts over with the first file (times are replayed as recorded, so they go
back in time at the wrap).

``shift="now"`` moves every time of every file (``fetched_at``, ``commence_time``, ``last_update``) by one
constant, fixed at the first snapshot played: ``clock()`` then minus that snapshot's time. The first snapshot
is stamped "now", recorded games are upcoming again and every offset between two times is kept (a game that
started 3 h after the first file's time starts 3 h from now). ``shift="none"`` plays the times as recorded.

A file that cannot be read or parsed raises :class:`ProviderFormatError` naming it; the position has already
moved on, so the caller logs it and the next fetch plays the next file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, get_args

from fairedge.odds.providers.base import BookmakerQuote, EventOdds, MarketQuote, Snapshot
from fairedge.odds.providers.odds_api_format import ProviderFormatError, newest_last_update, parse_snapshot

__all__ = ["ReplayProvider", "ReplayShift", "shift_snapshot"]

ReplayShift = Literal["none", "now"]
_SHIFTS: tuple[str, ...] = get_args(ReplayShift)


def _later(when: datetime | None, delta: timedelta) -> datetime | None:
    return None if when is None else when + delta


def _shift_market(market: MarketQuote, delta: timedelta) -> MarketQuote:
    return replace(market, last_update=_later(market.last_update, delta))


def _shift_book(book: BookmakerQuote, delta: timedelta) -> BookmakerQuote:
    return replace(
        book,
        last_update=_later(book.last_update, delta),
        markets=tuple(_shift_market(m, delta) for m in book.markets),
    )


def _shift_event(event: EventOdds, delta: timedelta) -> EventOdds:
    return replace(
        event,
        commence_time=event.commence_time + delta,
        bookmakers=tuple(_shift_book(b, delta) for b in event.bookmakers),
    )


def shift_snapshot(snapshot: Snapshot, delta: timedelta) -> Snapshot:
    """``snapshot`` with every time in it moved by ``delta`` (status and offsets unchanged)."""
    return replace(
        snapshot,
        fetched_at=snapshot.fetched_at + delta,
        events=tuple(_shift_event(e, delta) for e in snapshot.events),
    )


class ReplayProvider:
    """Plays recorded odds files in name order; see the module docstring."""

    name = "replay"

    def __init__(
        self,
        directory: Path | str,
        *,
        loop: bool = False,
        shift: ReplayShift = "none",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if shift not in _SHIFTS:
            raise ValueError(f"replay shift must be one of {', '.join(_SHIFTS)}, not {shift!r}")
        folder = Path(directory)
        if not folder.is_dir():
            raise ValueError(f"replay folder {str(folder)!r} does not exist or is not a folder")
        files = sorted((p for p in folder.glob("*.json") if p.is_file()), key=lambda p: p.name)
        if not files:
            raise ValueError(f"replay folder {str(folder)!r} holds no *.json files")
        self.directory = folder
        self.loop = loop
        self.shift = shift
        self._clock = clock or (lambda: datetime.now(UTC))
        self._delta: timedelta | None = None  # fixed by the first snapshot played when shifting
        self._files: tuple[Path, ...] = tuple(files)
        self._next = 0
        self._last: Snapshot | None = None
        self._current: Path | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        """The files played, in order."""
        return self._files

    @property
    def current_file(self) -> Path | None:
        """The file the last fetch played (or tried to), None before the first fetch."""
        return self._current

    @property
    def exhausted(self) -> bool:
        """Every file has been played and ``loop`` is off: further fetches repeat the last snapshot."""
        return not self.loop and self._next >= len(self._files)

    def fetch(self) -> Snapshot:
        if self._next >= len(self._files):
            if not self.loop:
                if self._last is None:
                    raise ProviderFormatError(
                        f"replay folder {str(self.directory)!r}: no file could be read",
                        source=str(self.directory),
                    )
                return self._last
            self._next = 0
        path = self._files[self._next]
        self._next += 1
        self._current = path
        snapshot = self._play(path)
        if self.shift == "now":
            if self._delta is None:
                self._delta = self._clock() - snapshot.fetched_at
            snapshot = shift_snapshot(snapshot, self._delta)
        self._last = snapshot
        return snapshot

    def _play(self, path: Path) -> Snapshot:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProviderFormatError(f"replay file {path.name!r}: {exc}", source=str(path)) from exc
        fallback = newest_last_update(payload)
        if fallback is None:
            try:
                fallback = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError as exc:
                raise ProviderFormatError(f"replay file {path.name!r}: {exc}", source=str(path)) from exc
        try:
            return parse_snapshot(payload, fallback, source=f"replay:{path.name}")
        except ProviderFormatError as exc:
            raise ProviderFormatError(
                f"replay file {path.name!r}: {exc}", index=exc.index, source=str(path)
            ) from exc
