"""The Prometheus multiprocess directory of one ``fairedge serve``: empty at start, emptied at exit.

prometheus_client writes each process's values to ``<dir>/<type>_<pid>.db`` and ``/metrics`` merges them;
files left by an earlier run would be counted again (and pids are reused), so a start begins empty. One
directory per server: a second server given the same one would wipe the first one's files.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path


def prepare(path: str | None) -> Path:
    """``path`` created if missing and emptied of metric files, or a new temporary directory."""
    if not path:
        return Path(tempfile.mkdtemp(prefix="fairedge-metrics-"))
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    _clear(directory)
    return directory


def remove(path: str | Path) -> None:
    """The metric files removed, and the directory too when nothing else is in it (not a mount point)."""
    directory = Path(path)
    _clear(directory)
    with contextlib.suppress(OSError):
        directory.rmdir()


def _clear(directory: Path) -> None:
    for file in directory.glob("*.db"):
        file.unlink(missing_ok=True)
