"""The cyclic garbage collector kept out of the way: paused around bulk work, tuned for serving.

A refresh allocates a few hundred thousand small objects (quotes, rows); each allocation burst triggers
generation scans of everything alive, which measured at 20–40 % of a refresh. Reference counting still frees
memory during the pause; cycles are collected when it ends.

A serving process holds a large heap built once at startup (modules, the app, its routes, models and
schemas) that every full collection walks again: a pause of tens of milliseconds that lands on whichever
requests are in flight (`make bench-api`: hello world's p99 at 100 connections 70–190 ms, 28–34 ms with
:func:`tune_for_serving`; the cached list's 210 → 60 ms).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young collections (Python's default: 700), and how many collections of each
# generation before the next older one is collected (10, 10): requests allocate fast and almost all of it is
# freed by reference counting, so collections come far less often and each finds little.
SERVING_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def tune_for_serving() -> None:
    """For a serving process once its app is built: what exists now is frozen (never walked by a collection
    again; still freed by reference counting) and collections come less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
