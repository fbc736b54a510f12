"""Replay recorded The Odds API responses from a folder, one file per refresh.

The folder's ``*.json`` files (a ``/odds`` list, one event object or a historical wrapper each) are listed
once, at construction, and sorted by file name; every :meth:`ReplayProvider.fetch` plays the next one through
:func:`~fairedge.odds.providers.odds_api_format.parse_snapshot`. The snapshot time is the wrapper's
``timestamp``, else the newest ``last_update`` in the file, else the file's modification time.

After the last file: ``loop=False`` keeps returning the last snapshot (``exhausted`` is then True: nothing
new will come); ``loop=True`` starts over with the first file (times are replayed as recorded, so they go
back in time at the wrap).

A file that cannot be read or parsed raises :class:`ProviderFormatError` naming it; the position has already
moved on, so the caller logs it and the next fetch plays the next file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fairedge.odds.providers.base import Snapshot
from fairedge.odds.providers.odds_api_format import ProviderFormatError, newest_last_update, parse_snapshot

__all__ = ["ReplayProvider"]


class ReplayProvider:
    """Plays recorded odds files in name order; see the module docstring."""

    name = "replay"

    def __init__(self, directory: Path | str, *, loop: bool = False) -> None:
        folder = Path(directory)
        if not folder.is_dir():
            raise ValueError(f"replay folder {str(folder)!r} does not exist or is not a folder")
        files = sorted((p for p in folder.glob("*.json") if p.is_file()), key=lambda p: p.name)
        if not files:
            raise ValueError(f"replay folder {str(folder)!r} holds no *.json files")
        self.directory = folder
        self.loop = loop
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
