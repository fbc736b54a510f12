"""Sliding-window-counter arithmetic: the closed forms for Retry-After and the full reset agree with the
storage's rule applied step by step, and the named cases give the numbers a client will see."""

from __future__ import annotations

from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairedge.ratelimit.window import Window

E = 60.0


def _passes_at(window: Window, t: float, limit: int, cost: int) -> bool:
    """The storage's rule t seconds from now, with nobody else spending: before the shift the previous count
    fades and the current one stands; after it only the old current count remains, fading over E."""
    if window.current_count and t >= window.current_ttl - E:
        since_shift = t - (window.current_ttl - E)
        used = floor(window.current_count * max(0.0, E - since_shift) / E)
    else:
        used = floor(window.previous_count * max(0.0, window.previous_ttl - t) / E) + window.current_count
    return used + cost <= limit


def test_an_empty_bucket_is_available_now_and_whole() -> None:
    window = Window(0, 0.0, 0, 0.0)
    assert window.used(E) == 0
    assert window.seconds_until_available(E, 3, 1) == 0.0
    assert window.seconds_until_available(E, 3, 3) == 0.0


def test_a_full_current_window_frees_one_request_when_it_turns_previous() -> None:
    window = Window(previous_count=0, previous_ttl=0.0, current_count=3, current_ttl=2 * E)  # 3 hits just now
    assert window.used(E) == 3
    assert window.seconds_until_available(E, 3, 1) == pytest.approx(E)
    # The whole quota needs the old count to fade below one: 3 * (E - u) / E < 1, u > 2E/3.
    assert window.seconds_until_available(E, 3, 3) == pytest.approx(E + 2 * E / 3)


def test_a_fading_previous_window_frees_capacity_before_the_shift() -> None:
    window = Window(previous_count=6, previous_ttl=35.0, current_count=0, current_ttl=95.0)
    assert window.used(E) == 3  # floor(6 * 35 / 60)
    # 3 + 1 > 3: refused now; floor(6 * (35 - t) / 60) <= 2 once t > 5.
    assert window.seconds_until_available(E, 3, 1) == pytest.approx(5.0)


def test_a_cost_larger_than_the_limit_is_refused_as_a_programming_error() -> None:
    with pytest.raises(ValueError, match="can never fit"):
        Window(0, 0.0, 0, 0.0).seconds_until_available(E, 3, 4)


@given(
    previous_count=st.integers(0, 40),
    previous_ttl=st.floats(0.0, E),
    current_count=st.integers(0, 40),
    since_window_start=st.floats(0.0, E),
    limit=st.integers(1, 40),
    cost=st.integers(1, 40),
)
def test_the_closed_form_matches_the_rule_applied_over_time(
    previous_count: int,
    previous_ttl: float,
    current_count: int,
    since_window_start: float,
    limit: int,
    cost: int,
) -> None:
    if cost > limit:
        return
    window = Window(previous_count, previous_ttl, current_count, 2 * E - since_window_start)
    wait = window.seconds_until_available(E, limit, cost)
    assert _passes_at(window, wait + 1e-6, limit, cost)
    if wait > 0.01:
        assert not _passes_at(window, wait - 0.01, limit, cost)
