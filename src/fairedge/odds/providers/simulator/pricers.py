"""Fair lines of one game from its latent state: normal margins and totals for points games, Skellam and
Poisson for goals games, and the exchange price ladder."""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

__all__ = ["MIN_FAIR", "Board", "GoalsPricer", "Line", "PointsPricer", "Pricer", "ladder_price"]

_SQRT2 = math.sqrt(2.0)
MIN_FAIR = 0.02  # a market with an outcome this unlikely is suspended

# Betfair price ladder: (upper bound, tick)
_LADDER = ((2.0, 0.01), (3.0, 0.02), (4.0, 0.05), (6.0, 0.1), (10.0, 0.2), (20.0, 0.5), (30.0, 1.0),
           (50.0, 2.0), (100.0, 5.0), (1000.0, 10.0))  # fmt: skip
_LADDER_BOUNDS = [b for b, _ in _LADDER]


def ladder_price(price: float) -> float:
    """Round down (in the book's favour) to the exchange price ladder."""
    i = min(bisect_right(_LADDER_BOUNDS, price), len(_LADDER) - 1)
    lower = _LADDER[i - 1][0] if i else 1.0
    tick = _LADDER[i][1]
    return round(lower + math.floor((price - lower) / tick + 1e-7) * tick, 2)


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def _round_half(x: float) -> float:
    return math.floor(x * 2.0 + 0.5) / 2.0


class PointsPricer:
    """Final margin ~ N(mu_m, sd_m), total ~ N(mu_t, sd_t) (points games)."""

    __slots__ = ("mu_m", "mu_t", "sd_m", "sd_t")

    def __init__(self, mu_m: float, sd_m: float, mu_t: float, sd_t: float) -> None:
        self.mu_m, self.sd_m, self.mu_t, self.sd_t = mu_m, max(sd_m, 1e-6), mu_t, max(sd_t, 1e-6)

    def h2h(self) -> tuple[float, ...]:
        p = _phi(self.mu_m / self.sd_m)
        return (p, 1.0 - p)

    def spread_line(self) -> float:
        return -_round_half(self.mu_m) + 0.0

    def spread(self, point: float) -> tuple[float, float]:
        p = _phi((self.mu_m + point) / self.sd_m)
        return (p, 1.0 - p)

    def total_line(self) -> float:
        return _round_half(self.mu_t)

    def total(self, point: float) -> tuple[float, float]:
        p = _phi((self.mu_t - point) / self.sd_t)
        return (p, 1.0 - p)


_K = 40  # goals support per side (remaining goals) for goals games
_LOG_FACT = np.array([math.lgamma(k + 1.0) for k in range(_K + 1)])
_KS = np.arange(_K + 1, dtype=np.float64)


class GoalsPricer:
    """Remaining goals ~ Poisson per side: Skellam margin, Poisson total, from the current score."""

    __slots__ = ("d0", "diff_cdf", "draw", "home_ot", "s0", "sum_cdf")

    def __init__(self, lam_h: float, lam_a: float, score_h: int, score_a: int, draw: bool, home_ot: float):
        lh, la = max(lam_h, 1e-9), max(lam_a, 1e-9)
        px = np.exp(_KS * math.log(lh) - lh - _LOG_FACT)
        py = np.exp(_KS * math.log(la) - la - _LOG_FACT)
        # diff[i] = P(X - Y = i - K), total[j] = P(X + Y = j)
        self.diff_cdf: list[float] = np.cumsum(np.convolve(px, py[::-1])).tolist()
        self.sum_cdf: list[float] = np.cumsum(np.convolve(px, py)).tolist()
        self.d0 = score_h - score_a
        self.s0 = score_h + score_a
        self.draw = draw
        self.home_ot = home_ot

    def _diff_le(self, d: float) -> float:
        """P(final margin ≤ d) for an integer d."""
        i = math.floor(d) - self.d0 + _K
        if i < 0:
            return 0.0
        if i >= len(self.diff_cdf):
            return 1.0
        return min(self.diff_cdf[i], 1.0)

    def _sum_le(self, s: float) -> float:
        i = math.floor(s) - self.s0
        if i < 0:
            return 0.0
        if i >= len(self.sum_cdf):
            return 1.0
        return min(self.sum_cdf[i], 1.0)

    def _mean_margin(self) -> float:
        # median-ish: the margin where the cdf crosses one half
        for i, c in enumerate(self.diff_cdf):
            if c >= 0.5:
                return float(i - _K + self.d0)
        return float(self.d0)

    def h2h(self) -> tuple[float, ...]:
        away = self._diff_le(-1)
        draw = self._diff_le(0) - away
        home = 1.0 - away - draw
        if self.draw:
            return (home, 1.0 - home - draw, draw)
        home += draw * self.home_ot
        return (home, 1.0 - home)

    def spread_line(self) -> float:
        # the x.5 home line closest to 50 %, never inside ±1.5 (puck line / run line)
        best, best_gap = -1.5, 2.0
        centre = -self._mean_margin()
        for cand in (centre - 1.5, centre - 0.5, centre + 0.5, centre + 1.5):
            if abs(cand) < 1.5:
                continue
            gap = abs(self.spread(cand)[0] - 0.5)
            if gap < best_gap:
                best, best_gap = cand, gap
        if best_gap == 2.0:
            fav = self.h2h()[0] >= 0.5
            best = -1.5 if fav else 1.5
        return best

    def spread(self, point: float) -> tuple[float, float]:
        # home covers when margin + point > 0; a whole-number point can push
        home = 1.0 - self._diff_le(-point)
        push = self._diff_le(-point) - self._diff_le(-point - 1) if point == math.floor(point) else 0.0
        away = 1.0 - home - push
        live = 1.0 - push
        if live <= 1e-12:
            return (0.5, 0.5)
        return (home / live, away / live)

    def total_line(self) -> float:
        best, best_gap = 0.5, 2.0
        for i, c in enumerate(self.sum_cdf):
            line = self.s0 + i + 0.5  # P(under line) = c
            gap = abs(c - 0.5)
            if gap < best_gap:
                best, best_gap = line, gap
            if c > 0.5:
                break
        return best

    def total(self, point: float) -> tuple[float, float]:
        under = self._sum_le(math.ceil(point) - 1)
        push = self._sum_le(point) - under if point == math.floor(point) else 0.0
        over = 1.0 - under - push
        live = 1.0 - push
        if live <= 1e-12:
            return (0.5, 0.5)
        return (over / live, under / live)


Pricer = PointsPricer | GoalsPricer
Line = tuple[tuple[float, ...], tuple[str, ...], tuple[float | None, ...]]  # fair probs, names, points


class Board:
    """One event's fair lines at one fetch, shared by every book that reprices it."""

    __slots__ = ("away", "cache", "h2h", "home", "pricer", "spread_line", "total_line")

    def __init__(self, pricer: Pricer, home: str, away: str, markets: tuple[str, ...]) -> None:
        self.pricer = pricer
        self.home, self.away = home, away
        fair = pricer.h2h()
        names = (home, away, "Draw") if len(fair) == 3 else (home, away)
        self.h2h: Line | None = None if min(fair) < MIN_FAIR else (fair, names, (None,) * len(fair))
        self.spread_line = pricer.spread_line() if "spreads" in markets else 0.0
        self.total_line = pricer.total_line() if "totals" in markets else 0.0
        self.cache: dict[tuple[str, float], Line | None] = {}

    def line(self, key: str, point: float) -> Line | None:
        """Fair probabilities of spreads (home point) or totals at ``point``; None when suspended."""
        found = self.cache.get((key, point), _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        line: Line | None
        if key == "spreads":
            point += 0.0  # no -0.0
            fair = self.pricer.spread(point)
            line = (fair, (self.home, self.away), (point, -point + 0.0))
        else:
            fair = self.pricer.total(point)
            line = (fair, ("Over", "Under"), (point, point))
        if min(fair) < MIN_FAIR:
            line = None
        self.cache[(key, point)] = line
        return line


_MISSING = object()
