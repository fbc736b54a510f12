"""A live, offline odds market: seeded, deterministic, shaped like The Odds API.

Everything follows from ``seed`` and the sequence of ``clock()`` values (one per :meth:`fetch`): the same
seed and clock sequence give identical snapshots.

Time
    Simulated time runs ``time_scale`` times faster than the clock (default 60: one real minute is one
    simulated hour). The first fetch fixes the origin. Reported times (``commence_time``, ``last_update``,
    ``fetched_at``) are real-clock datetimes: ``commence_time`` is what the clock will say when the game
    starts. A clock that goes backwards freezes the simulation until it catches up.

Schedule
    ``n_events`` games are always upcoming or live: at the start they are spread from minutes to two
    simulated days ahead (a few already under way); each game that finishes is reported once more as
    ``"completed"`` with ``home_score``/``away_score`` and no bookmakers, then dropped, and a new game is
    scheduled 20 minutes to 2 days (simulated) ahead. A team plays one game at a time where the league has
    enough teams. Leagues: NBA, NFL, NHL, MLB, EPL, La Liga (team names as The Odds API spells them).

Model (a latent truth per game)
    * NBA, NFL ("points" games): each side's points are a gamma process (mean ``M``, variance ``V`` per game,
      plus a common pace component with share ``rho``), so the final margin is ≈ N(μ_m, 2V(1−ρ)) and the
      total ≈ N(μ_t, 2V(1+ρ)). Spreads/totals at any point are priced from those normals, the moneyline is
      P(margin > 0).
    * NHL, MLB, soccer ("goals" games): each side scores as a Poisson process (rates λ_home, λ_away); the
      margin is Skellam and the total Poisson, so h2h (3-way with ``Draw`` for soccer; NHL/MLB ties go to
      overtime), spreads (puck/run line, usually ±1.5) and totals at any point are consistent. A whole-number
      line's push is removed (probabilities conditional on no push).
    * Team strengths are fixed per seed; ``M``/``λ`` drift as a random walk in simulated time with occasional
      jumps (team news). In play the current score is simulated and the remaining fraction of the game is
      priced, so odds move toward the result; a market whose fair odds become extreme is suspended
      (not quoted).

Bookmakers (``BOOKMAKERS``; keys, titles and regions as The Odds API uses them)
    * Sharp books (pinnacle, betfair_ex_eu, lowvig, betonlineag, matchbook) quote the latent fair line with a
      2–3 % overround (``Σ 1/price − 1``) and reprice on every fetch. The sharp spread/total point is the
      latent median rounded to .5 (goals games: the nearest x.5 line; spreads never inside ±1.5 pre-game).
    * Soft books (draftkings, fanduel, betmgm, williamhill_us, betrivers, bovada, unibet_eu, williamhill,
      sport888, pointsbetus, fanatics) add 4–8 %. Before the game each reprices an event only with its own
      probability per fetch (at least every two simulated hours), so its line lags and its ``last_update``
      stays old; now and then a book goes stale on an event for 1–5 simulated hours. In play a soft book
      reprices with probability 0.7 per fetch and pulls a line older than 3 simulated minutes instead of
      leaving it up. Soft books sometimes shade one side (from a little under to ~0.6 % over fair on that
      side) and often sit 0.5–1.5 off the sharp point (priced correctly for their point). So +EV prices,
      arbitrages (books lagging opposite ways) and middles (different points) appear and disappear.
    * ``n_books`` picks the first ``n_books`` of the table, or adds synthetic soft books ``softbook_<n>`` for
      benchmarks. Exchanges quote h2h only (back prices; no ``h2h_lay``).
    * Margin is added evenly to the implied probabilities (longshots carry more relative margin). Prices are
      rounded down (in the book's favour) as quoted: Pinnacle to 3 decimals, Betfair/Matchbook to the
      exchange tick ladder, others to 2. A market needing a price under 1.02 (or a fair chance under 2 %) is
      suspended: not quoted by anyone.

Markets: ``h2h`` everywhere, ``spreads`` and ``totals`` for US leagues, ``totals`` for soccer. Outcome names
are the team names (h2h, spreads: home first), ``Draw`` (soccer h2h, last), ``Over``/``Under`` (totals);
spreads points mirror (home −x, away +x), totals use one point for Over and Under within a book.

Performance: pure Python with ``random.Random`` plus a small numpy convolution per goals game; fair lines
are computed once per event and fetch and shared by the books; quotes a book did not reprice are reused
objects, so a fetch costs roughly the repriced quotes (about 8 ms for 24 events, about 0.5 s for 1,000).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from fairedge.odds.providers.base import (
    BookmakerInfo,
    BookmakerQuote,
    EventOdds,
    MarketQuote,
    Outcome,
    Snapshot,
    SportInfo,
)

__all__ = ["BOOKMAKERS", "SPORTS", "BookSpec", "SimulatorProvider", "SportSpec"]

Family = Literal["points", "goals"]
Rounding = Literal["dec2", "dec3", "ladder"]

_SQRT2 = math.sqrt(2.0)
_MIN_PRICE = 1.02  # a market that would need a shorter price is suspended
_MAX_PRICE = 101.0
_MIN_FAIR = 0.02  # ... as is one with an outcome this unlikely
_MAX_IMPLIED = 1.0 / _MIN_PRICE
_MIN_IMPLIED = 1.0 / _MAX_PRICE
_LIVE_REPRICE = 0.7  # per fetch, soft books in play
_LIVE_MAX_AGE = 3.0  # simulated minutes a soft book leaves an in-play line up without repricing
_MAX_LAG = 120.0  # simulated minutes: before the game a soft book reprices at least this often ...
_STALE_SPELL = (60.0, 300.0)  # ... except in a stale spell (simulated minutes)


# --------------------------------------------------------------------------------------------------- sports


@dataclass(frozen=True, slots=True)
class SportSpec:
    key: str
    title: str
    group: str
    family: Family
    teams: tuple[str, ...]
    weight: float  # share of the schedule
    duration: float  # simulated minutes from start to final
    markets: tuple[str, ...]
    draw: bool  # 3-way h2h
    # points games: mean total, per-matchup total noise, team rating sd, home edge (points), V, rho
    # goals games: home rate, away rate, rating sd (log), unused, unused, unused
    base_a: float
    base_b: float
    rating_sd: float
    home_edge: float = 0.0
    variance: float = 0.0
    rho: float = 0.0
    drift_margin: float = 0.0  # per sqrt(simulated hour); points, or log-rate for goals games
    drift_total: float = 0.0
    jump_rate: float = 0.0  # team news per simulated hour
    jump_size: float = 0.0
    overtime_points: int = 1  # added to the winner when a no-draw game ends level
    spread_offsets: tuple[tuple[float, float], ...] = ((0.0, 1.0),)  # (offset, weight) for soft books
    total_offsets: tuple[tuple[float, float], ...] = ((0.0, 1.0),)


_US_OFFSETS = ((0.0, 55.0), (0.5, 10.0), (-0.5, 10.0), (1.0, 7.0), (-1.0, 7.0), (1.5, 5.5), (-1.5, 5.5))
_GOAL_TOTAL_OFFSETS = ((0.0, 70.0), (0.5, 10.0), (-0.5, 10.0), (1.0, 5.0), (-1.0, 5.0))
_SOCCER_TOTAL_OFFSETS = ((0.0, 80.0), (0.5, 10.0), (-0.5, 10.0))

NBA_TEAMS = (
    "Atlanta Hawks", "Boston Celtics", "Brooklyn Nets", "Charlotte Hornets", "Chicago Bulls",
    "Cleveland Cavaliers", "Dallas Mavericks", "Denver Nuggets", "Detroit Pistons", "Golden State Warriors",
    "Houston Rockets", "Indiana Pacers", "Los Angeles Clippers", "Los Angeles Lakers", "Memphis Grizzlies",
    "Miami Heat", "Milwaukee Bucks", "Minnesota Timberwolves", "New Orleans Pelicans", "New York Knicks",
    "Oklahoma City Thunder", "Orlando Magic", "Philadelphia 76ers", "Phoenix Suns", "Portland Trail Blazers",
    "Sacramento Kings", "San Antonio Spurs", "Toronto Raptors", "Utah Jazz", "Washington Wizards",
)  # fmt: skip
NFL_TEAMS = (
    "Arizona Cardinals", "Atlanta Falcons", "Baltimore Ravens", "Buffalo Bills", "Carolina Panthers",
    "Chicago Bears", "Cincinnati Bengals", "Cleveland Browns", "Dallas Cowboys", "Denver Broncos",
    "Detroit Lions", "Green Bay Packers", "Houston Texans", "Indianapolis Colts", "Jacksonville Jaguars",
    "Kansas City Chiefs", "Las Vegas Raiders", "Los Angeles Chargers", "Los Angeles Rams", "Miami Dolphins",
    "Minnesota Vikings", "New England Patriots", "New Orleans Saints", "New York Giants", "New York Jets",
    "Philadelphia Eagles", "Pittsburgh Steelers", "San Francisco 49ers", "Seattle Seahawks",
    "Tampa Bay Buccaneers", "Tennessee Titans", "Washington Commanders",
)  # fmt: skip
NHL_TEAMS = (
    "Anaheim Ducks", "Boston Bruins", "Buffalo Sabres", "Calgary Flames", "Carolina Hurricanes",
    "Chicago Blackhawks", "Colorado Avalanche", "Columbus Blue Jackets", "Dallas Stars", "Detroit Red Wings",
    "Edmonton Oilers", "Florida Panthers", "Los Angeles Kings", "Minnesota Wild", "Montréal Canadiens",
    "Nashville Predators", "New Jersey Devils", "New York Islanders", "New York Rangers", "Ottawa Senators",
    "Philadelphia Flyers", "Pittsburgh Penguins", "San Jose Sharks", "Seattle Kraken", "St Louis Blues",
    "Tampa Bay Lightning", "Toronto Maple Leafs", "Utah Mammoth", "Vancouver Canucks",
    "Vegas Golden Knights", "Washington Capitals", "Winnipeg Jets",
)  # fmt: skip
MLB_TEAMS = (
    "Arizona Diamondbacks", "Athletics", "Atlanta Braves", "Baltimore Orioles", "Boston Red Sox",
    "Chicago Cubs", "Chicago White Sox", "Cincinnati Reds", "Cleveland Guardians", "Colorado Rockies",
    "Detroit Tigers", "Houston Astros", "Kansas City Royals", "Los Angeles Angels", "Los Angeles Dodgers",
    "Miami Marlins", "Milwaukee Brewers", "Minnesota Twins", "New York Mets", "New York Yankees",
    "Philadelphia Phillies", "Pittsburgh Pirates", "San Diego Padres", "San Francisco Giants",
    "Seattle Mariners", "St. Louis Cardinals", "Tampa Bay Rays", "Texas Rangers", "Toronto Blue Jays",
    "Washington Nationals",
)  # fmt: skip
EPL_TEAMS = (
    "Arsenal", "Aston Villa", "Bournemouth", "Brentford", "Brighton and Hove Albion", "Burnley", "Chelsea",
    "Crystal Palace", "Everton", "Fulham", "Leeds United", "Liverpool", "Manchester City",
    "Manchester United", "Newcastle United", "Nottingham Forest", "Sunderland", "Tottenham Hotspur",
    "West Ham United", "Wolverhampton Wanderers",
)  # fmt: skip
LA_LIGA_TEAMS = (
    "Alavés", "Athletic Bilbao", "Atlético Madrid", "Barcelona", "CA Osasuna", "Celta Vigo", "Elche CF",
    "Espanyol", "Getafe", "Girona", "Levante", "Mallorca", "Oviedo", "Rayo Vallecano", "Real Betis",
    "Real Madrid", "Real Sociedad", "Sevilla", "Valencia", "Villarreal",
)  # fmt: skip

SPORTS: tuple[SportSpec, ...] = (
    SportSpec(
        "basketball_nba", "NBA", "Basketball", "points", NBA_TEAMS, 0.22, 150.0, ("h2h", "spreads", "totals"),
        False, base_a=228.0, base_b=6.0, rating_sd=4.5, home_edge=2.5, variance=120.0, rho=0.3,
        drift_margin=0.18, drift_total=0.3, jump_rate=0.012, jump_size=1.0, overtime_points=4,
        spread_offsets=_US_OFFSETS, total_offsets=_US_OFFSETS,
    ),
    SportSpec(
        "americanfootball_nfl", "NFL", "American Football", "points", NFL_TEAMS, 0.1, 195.0,
        ("h2h", "spreads", "totals"), False, base_a=44.5, base_b=3.5, rating_sd=5.0, home_edge=1.8,
        variance=85.0, rho=0.1, drift_margin=0.12, drift_total=0.2, jump_rate=0.01, jump_size=1.0,
        overtime_points=3, spread_offsets=_US_OFFSETS, total_offsets=_US_OFFSETS,
    ),
    SportSpec(
        "icehockey_nhl", "NHL", "Ice Hockey", "goals", NHL_TEAMS, 0.16, 150.0, ("h2h", "spreads", "totals"),
        False, base_a=3.15, base_b=2.95, rating_sd=0.15, drift_margin=0.009, drift_total=0.008,
        jump_rate=0.012, jump_size=0.05, overtime_points=1, total_offsets=_GOAL_TOTAL_OFFSETS,
    ),
    SportSpec(
        "baseball_mlb", "MLB", "Baseball", "goals", MLB_TEAMS, 0.16, 180.0, ("h2h", "spreads", "totals"),
        False, base_a=4.6, base_b=4.4, rating_sd=0.12, drift_margin=0.009, drift_total=0.009,
        jump_rate=0.015, jump_size=0.06, overtime_points=1, total_offsets=_GOAL_TOTAL_OFFSETS,
    ),
    SportSpec(
        "soccer_epl", "EPL", "Soccer", "goals", EPL_TEAMS, 0.2, 115.0, ("h2h", "totals"), True,
        base_a=1.55, base_b=1.2, rating_sd=0.3, drift_margin=0.011, drift_total=0.008, jump_rate=0.01,
        jump_size=0.06, total_offsets=_SOCCER_TOTAL_OFFSETS,
    ),
    SportSpec(
        "soccer_spain_la_liga", "La Liga - Spain", "Soccer", "goals", LA_LIGA_TEAMS, 0.16, 115.0,
        ("h2h", "totals"), True, base_a=1.45, base_b=1.1, rating_sd=0.3, drift_margin=0.011,
        drift_total=0.008, jump_rate=0.01, jump_size=0.06, total_offsets=_SOCCER_TOTAL_OFFSETS,
    ),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------- bookmakers


@dataclass(frozen=True, slots=True)
class BookSpec:
    key: str
    title: str
    region: str
    sharp: bool
    margin: float  # overround added to the implied probabilities: Σ 1/price ≈ 1 + margin
    reprice: float  # probability of repricing an event per fetch (sharps: 1)
    stale: float = 0.0  # probability per fetch that an event's line freezes for 1-5 simulated hours
    shade: float = 0.0  # probability, per repriced market, of shading one side
    off_point: float = 0.0  # probability of sitting off the sharp point when (re)choosing one
    rounding: Rounding = "dec2"
    markets: tuple[str, ...] | None = None  # None: every market of the sport
    us_coverage: float = 1.0  # share of US-league events quoted
    soccer_coverage: float = 1.0


BOOKMAKERS: tuple[BookSpec, ...] = (
    BookSpec("pinnacle", "Pinnacle", "eu", True, 0.024, 1.0, rounding="dec3"),
    BookSpec("betfair_ex_eu", "Betfair", "eu", True, 0.02, 1.0, rounding="ladder", markets=("h2h",),
             us_coverage=0.9),
    BookSpec("lowvig", "LowVig.ag", "us", True, 0.021, 1.0, soccer_coverage=0.8),
    BookSpec("betonlineag", "BetOnline.ag", "us", True, 0.025, 1.0, soccer_coverage=0.85),
    BookSpec("matchbook", "Matchbook", "uk", True, 0.02, 1.0, rounding="ladder", markets=("h2h",),
             us_coverage=0.6),
    BookSpec("draftkings", "DraftKings", "us", False, 0.047, 0.55, 0.02, 0.05, 0.35, soccer_coverage=0.9),
    BookSpec("fanduel", "FanDuel", "us", False, 0.045, 0.6, 0.02, 0.05, 0.3, soccer_coverage=0.9),
    BookSpec("betmgm", "BetMGM", "us", False, 0.052, 0.4, 0.03, 0.07, 0.4, soccer_coverage=0.85),
    BookSpec("williamhill_us", "Caesars", "us", False, 0.05, 0.4, 0.03, 0.06, 0.4, soccer_coverage=0.85),
    BookSpec("betrivers", "BetRivers", "us", False, 0.058, 0.3, 0.04, 0.08, 0.45, soccer_coverage=0.8),
    BookSpec("bovada", "Bovada", "us", False, 0.055, 0.3, 0.05, 0.1, 0.45, soccer_coverage=0.9),
    BookSpec("unibet_eu", "Unibet", "eu", False, 0.062, 0.4, 0.03, 0.06, 0.35, us_coverage=0.8),
    BookSpec("williamhill", "William Hill", "uk", False, 0.068, 0.35, 0.03, 0.07, 0.35, us_coverage=0.7),
    BookSpec("sport888", "888sport", "uk", False, 0.072, 0.3, 0.04, 0.08, 0.4, us_coverage=0.7),
    BookSpec("pointsbetus", "PointsBet (US)", "us", False, 0.05, 0.35, 0.04, 0.08, 0.4, soccer_coverage=0.7),
    BookSpec("fanatics", "Fanatics", "us", False, 0.054, 0.35, 0.04, 0.07, 0.4, soccer_coverage=0.75),
)  # fmt: skip


def _synthetic_book(number: int) -> BookSpec:
    """Deterministic extra soft books for benchmarks: ``softbook_<number>``."""
    return BookSpec(
        key=f"softbook_{number}",
        title=f"Softbook {number}",
        region="us",
        sharp=False,
        margin=0.042 + 0.006 * (number % 7),
        reprice=0.3 + 0.05 * (number % 5),
        stale=0.03,
        shade=0.06,
        off_point=0.4,
    )


def _book_table(n_books: int | None) -> tuple[BookSpec, ...]:
    if n_books is None:
        return BOOKMAKERS
    if n_books < 1:
        raise ValueError("n_books must be at least 1")
    if n_books <= len(BOOKMAKERS):
        return BOOKMAKERS[:n_books]
    extra = tuple(_synthetic_book(i) for i in range(len(BOOKMAKERS) + 1, n_books + 1))
    return BOOKMAKERS + extra


# -------------------------------------------------------------------------------------------------- pricing

# Betfair price ladder: (upper bound, tick)
_LADDER = ((2.0, 0.01), (3.0, 0.02), (4.0, 0.05), (6.0, 0.1), (10.0, 0.2), (20.0, 0.5), (30.0, 1.0),
           (50.0, 2.0), (100.0, 5.0), (1000.0, 10.0))  # fmt: skip
_LADDER_BOUNDS = [b for b, _ in _LADDER]


def _round_price(price: float, rounding: Rounding) -> float:
    """Round down (in the book's favour) to what the book quotes: 3 or 2 decimals, or the exchange ladder."""
    if rounding == "dec3":
        return round(math.floor(price * 1000.0 + 1e-7) / 1000.0, 3)
    if rounding == "dec2":
        return round(math.floor(price * 100.0 + 1e-7) / 100.0, 2)
    i = min(bisect_right(_LADDER_BOUNDS, price), len(_LADDER) - 1)
    lower = _LADDER[i - 1][0] if i else 1.0
    tick = _LADDER[i][1]
    return round(lower + math.floor((price - lower) / tick + 1e-7) * tick, 2)


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def _round_half(x: float) -> float:
    return math.floor(x * 2.0 + 0.5) / 2.0


def _nearest_hook(x: float) -> float:
    """The x.5 line nearest ``x``."""
    return math.floor(x) + 0.5


class _PointsPricer:
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


class _GoalsPricer:
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


_Pricer = _PointsPricer | _GoalsPricer
_Line = tuple[tuple[float, ...], tuple[str, ...], tuple[float | None, ...]]  # fair probs, names, points


class _Board:
    """One event's fair lines at one fetch, shared by every book that reprices it."""

    __slots__ = ("away", "cache", "h2h", "home", "pricer", "spread_line", "total_line")

    def __init__(self, pricer: _Pricer, event: _Event) -> None:
        self.pricer = pricer
        self.home, self.away = event.home, event.away
        fair = pricer.h2h()
        names = (event.home, event.away, "Draw") if len(fair) == 3 else (event.home, event.away)
        self.h2h: _Line | None = None if min(fair) < _MIN_FAIR else (fair, names, (None,) * len(fair))
        markets = event.sport.markets
        self.spread_line = pricer.spread_line() if "spreads" in markets else 0.0
        self.total_line = pricer.total_line() if "totals" in markets else 0.0
        self.cache: dict[tuple[str, float], _Line | None] = {}

    def line(self, key: str, point: float) -> _Line | None:
        """Fair probabilities of spreads (home point) or totals at ``point``; None when suspended."""
        found = self.cache.get((key, point), _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        line: _Line | None
        if key == "spreads":
            point += 0.0  # no -0.0
            fair = self.pricer.spread(point)
            line = (fair, (self.home, self.away), (point, -point + 0.0))
        else:
            fair = self.pricer.total(point)
            line = (fair, ("Over", "Under"), (point, point))
        if min(fair) < _MIN_FAIR:
            line = None
        self.cache[(key, point)] = line
        return line


_MISSING = object()


# ---------------------------------------------------------------------------------------------------- state


class _MarketState:
    __slots__ = ("offset", "quote", "shade", "shade_side", "shade_to")

    def __init__(self, offset: float) -> None:
        self.offset = offset
        self.shade_side = -1  # the side a soft book shades (price better than its margin allows), -1: none
        self.shade_to = 0  # the side that pays for it
        self.shade = 0.0
        self.quote: MarketQuote | None = None


class _BookState:
    __slots__ = ("last_sim", "last_update", "markets", "quote", "spec", "stale_until")

    def __init__(self, spec: BookSpec, markets: dict[str, _MarketState]) -> None:
        self.spec = spec
        self.markets = markets
        self.stale_until = 0.0  # simulated time a stale spell ends
        self.last_update: datetime | None = None
        self.last_sim = 0.0  # simulated time of the last reprice
        self.quote: BookmakerQuote | None = None


class _Event:
    __slots__ = (
        "away", "away_score", "books", "commence", "cum_a", "cum_h", "end", "frac", "home",
        "home_score", "id", "lat_a", "lat_h", "sim_t", "sport", "start", "status",
    )  # fmt: skip

    def __init__(
        self, event_id: str, sport: SportSpec, home: str, away: str, commence: datetime, start: float
    ) -> None:
        self.id = event_id
        self.sport = sport
        self.home = home
        self.away = away
        self.commence = commence  # real clock
        self.start = start  # simulated minutes since the origin
        self.end = start + sport.duration
        self.lat_h = 0.0  # points games: expected points; goals games: expected goals (full game)
        self.lat_a = 0.0
        self.cum_h = 0.0  # score so far (points games: continuous, shown floored)
        self.cum_a = 0.0
        self.frac = 0.0  # share of the game played
        self.sim_t = 0.0  # simulated time the latent state was last moved to
        self.status = "upcoming"
        self.home_score: int | None = None
        self.away_score: int | None = None
        self.books: list[_BookState] = []


# ------------------------------------------------------------------------------------------------ simulator


class SimulatorProvider:
    """A seeded, deterministic live odds market; see the module docstring for the model."""

    name = "simulator"

    def __init__(
        self,
        seed: int | None = None,
        *,
        n_events: int = 24,
        clock: Callable[[], datetime] | None = None,
        time_scale: float = 60.0,
        n_books: int | None = None,
    ) -> None:
        if n_events < 0:
            raise ValueError("n_events must not be negative")
        if not time_scale > 0:
            raise ValueError("time_scale must be positive")
        self.seed = seed
        self.n_events = n_events
        self.time_scale = float(time_scale)
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self._books = _book_table(n_books)
        self._sports = SPORTS
        self._sport_weights = [s.weight for s in SPORTS]
        self._ratings: dict[str, dict[str, float]] = {}
        self._pace: dict[str, dict[str, float]] = {}
        for sport in SPORTS:
            self._ratings[sport.key] = {t: self._rng.gauss(0.0, sport.rating_sd) for t in sport.teams}
            self._pace[sport.key] = {t: self._rng.gauss(0.0, sport.base_b) for t in sport.teams}
        self._busy: dict[str, set[str]] = {s.key: set() for s in SPORTS}
        self._events: list[_Event] = []
        self._origin: datetime | None = None
        self._sim_now = 0.0
        self.fetches = 0
        self.sports: tuple[SportInfo, ...] = tuple(SportInfo(s.key, s.group, s.title) for s in SPORTS)
        self.bookmakers: tuple[BookmakerInfo, ...] = tuple(
            BookmakerInfo(b.key, b.title, b.region) for b in self._books
        )

    # ---------------------------------------------------------------------------------------------- time

    def _to_real(self, sim_minutes: float) -> datetime:
        assert self._origin is not None
        return self._origin + timedelta(seconds=sim_minutes * 60.0 / self.time_scale)

    def _to_sim(self, when: datetime) -> float:
        assert self._origin is not None
        return (when - self._origin).total_seconds() * self.time_scale / 60.0

    # ------------------------------------------------------------------------------------------ schedule

    def _schedule(self, earliest: float, latest: float) -> _Event:
        rng = self._rng
        sport = rng.choices(self._sports, weights=self._sport_weights)[0]
        busy = self._busy[sport.key]
        free = [t for t in sport.teams if t not in busy]
        pool = free if len(free) >= 2 else list(sport.teams)
        home, away = rng.sample(pool, 2)
        busy.add(home)
        busy.add(away)
        start_real = self._to_real(self._sim_now + rng.uniform(earliest, latest)).replace(microsecond=0)
        event = _Event(
            f"{rng.getrandbits(128):032x}", sport, home, away, start_real, self._to_sim(start_real)
        )
        ratings, pace = self._ratings[sport.key], self._pace[sport.key]
        edge = ratings[home] - ratings[away]
        if sport.family == "points":
            margin = edge + sport.home_edge
            total = sport.base_a + pace[home] + pace[away]
            event.lat_h, event.lat_a = (total + margin) / 2.0, (total - margin) / 2.0
        else:
            event.lat_h = sport.base_a * math.exp(edge / 2.0)
            event.lat_a = sport.base_b * math.exp(-edge / 2.0)
        event.sim_t = min(self._sim_now, event.start)  # a game already under way catches up its score
        for spec in self._books:
            coverage = spec.soccer_coverage if sport.group == "Soccer" else spec.us_coverage
            if coverage < 1.0 and rng.random() >= coverage:
                continue
            markets = {
                key: _MarketState(self._draw_offset(spec, sport, key))
                for key in sport.markets
                if spec.markets is None or key in spec.markets
            }
            if markets:
                event.books.append(_BookState(spec, markets))
        if event.start < self._sim_now:
            event.status = "live"
        self._events.append(event)
        return event

    def _draw_offset(self, spec: BookSpec, sport: SportSpec, key: str) -> float:
        if spec.sharp or key == "h2h" or self._rng.random() >= spec.off_point:
            return 0.0
        table = sport.spread_offsets if key == "spreads" else sport.total_offsets
        return self._rng.choices([o for o, _ in table], weights=[w for _, w in table])[0]

    def _start(self) -> None:
        for _ in range(self.n_events):
            if self._rng.random() < 0.1:
                self._schedule(-100.0, -5.0)  # a few games already under way
            else:
                self._schedule(5.0, 48 * 60.0)

    # --------------------------------------------------------------------------------------------- model

    def _advance(self, event: _Event, until: float) -> None:
        """Move the latent state and the score from ``event.sim_t`` to ``until`` (simulated minutes)."""
        sport, rng = event.sport, self._rng
        dt = until - event.sim_t
        if dt <= 0.0:
            return
        hours = dt / 60.0
        scale = math.sqrt(hours)
        d_m = rng.gauss(0.0, sport.drift_margin * scale)
        d_t = rng.gauss(0.0, sport.drift_total * scale)
        if sport.jump_rate and rng.random() < 1.0 - math.exp(-sport.jump_rate * hours):
            d_m += rng.gauss(0.0, sport.jump_size)
        if sport.family == "points":
            event.lat_h = max(event.lat_h + (d_t + d_m) / 2.0, 0.3 * sport.base_a / 2.0)
            event.lat_a = max(event.lat_a + (d_t - d_m) / 2.0, 0.3 * sport.base_a / 2.0)
        else:
            event.lat_h *= math.exp((d_t + d_m) / 2.0)
            event.lat_a *= math.exp((d_t - d_m) / 2.0)
        # the score, over the part of [sim_t, until] that is in play
        f0 = min(max((event.sim_t - event.start) / sport.duration, 0.0), 1.0)
        f1 = min(max((until - event.start) / sport.duration, 0.0), 1.0)
        if f1 > f0:
            df = f1 - f0
            if sport.family == "points":
                common = sport.rho * min(event.lat_h, event.lat_a)
                own_var = sport.variance * (1.0 - sport.rho)
                c = self._gamma(common, sport.variance * sport.rho, df)
                event.cum_h += self._gamma(event.lat_h - common, own_var, df) + c
                event.cum_a += self._gamma(event.lat_a - common, own_var, df) + c
            else:
                event.cum_h += self._poisson(event.lat_h * df)
                event.cum_a += self._poisson(event.lat_a * df)
            event.frac = f1
        event.sim_t = until

    def _gamma(self, mean: float, var: float, df: float) -> float:
        if mean <= 0.0 or var <= 0.0:
            return 0.0
        return self._rng.gammavariate(mean * mean / var * df, var / mean)

    def _poisson(self, lam: float) -> int:
        # Knuth; lam is small (a part of one game's goals)
        limit, k, p = math.exp(-lam), 0, self._rng.random()
        while p > limit:
            k += 1
            p *= self._rng.random()
        return k

    def _pricer(self, event: _Event) -> _Pricer:
        sport = event.sport
        rest = 1.0 - event.frac
        if sport.family == "points":
            own = 2.0 * sport.variance * rest
            return _PointsPricer(
                mu_m=event.cum_h - event.cum_a + (event.lat_h - event.lat_a) * rest,
                sd_m=math.sqrt(own * (1.0 - sport.rho)),
                mu_t=event.cum_h + event.cum_a + (event.lat_h + event.lat_a) * rest,
                sd_t=math.sqrt(own * (1.0 + sport.rho)),
            )
        return _GoalsPricer(
            event.lat_h * rest, event.lat_a * rest, int(event.cum_h), int(event.cum_a), sport.draw, 0.52
        )

    def _finish(self, event: _Event) -> None:
        home, away = math.floor(event.cum_h), math.floor(event.cum_a)
        if home == away and not event.sport.draw:
            home_wins = self._rng.random() < 0.52
            extra = self._rng.randint(1, event.sport.overtime_points)
            if home_wins:
                home += extra
            else:
                away += extra
        event.home_score, event.away_score = home, away
        event.status = "completed"
        for book in event.books:
            book.quote = None
        event.books = []
        busy = self._busy[event.sport.key]
        busy.discard(event.home)
        busy.discard(event.away)

    # ---------------------------------------------------------------------------------------------- books

    def _quote(
        self, spec: BookSpec, state: _MarketState, key: str, board: _Board, now: datetime
    ) -> MarketQuote | None:
        if key == "h2h":
            line = board.h2h
        elif key == "spreads":
            line = board.line(key, board.spread_line + state.offset)
        else:
            line = board.line(key, board.total_line + state.offset)
        if line is None:  # suspended
            return None
        fair, names, points = line
        n = len(fair)
        add = spec.margin / n
        implied = [p + add for p in fair]
        if not spec.sharp:
            rng = self._rng
            if rng.random() < spec.shade:
                state.shade_side = rng.randrange(n)
                # from a little worse than fair to a little better (+EV) on that side
                state.shade = add + rng.uniform(-0.015, 0.006)
                state.shade_to = (state.shade_side + 1 + rng.randrange(n - 1)) % n
            else:
                state.shade_side = -1
            if state.shade_side >= 0:
                side = state.shade_side
                amount = min(max(state.shade, 0.0), implied[side] / 3.0)
                implied[side] -= amount
                implied[state.shade_to] += amount
        if max(implied) > _MAX_IMPLIED or min(implied) < _MIN_IMPLIED:
            return None
        rounding = spec.rounding
        if rounding == "dec2":
            prices = [math.floor(100.0 / q + 1e-7) / 100.0 for q in implied]
        elif rounding == "dec3":
            prices = [math.floor(1000.0 / q + 1e-7) / 1000.0 for q in implied]
        else:
            prices = [_round_price(1.0 / q, rounding) for q in implied]
        if n == 2:
            outcomes: tuple[Outcome, ...] = (
                Outcome(names[0], prices[0], points[0]),
                Outcome(names[1], prices[1], points[1]),
            )
        else:
            outcomes = tuple(Outcome(nm, pr, pt) for nm, pr, pt in zip(names, prices, points, strict=True))
        return MarketQuote(key, outcomes, now)

    def _reprice(self, event: _Event, book: _BookState, board: _Board, now: datetime) -> None:
        spec = book.spec
        markets: list[MarketQuote] = []
        for key, state in book.markets.items():
            if not spec.sharp and key != "h2h" and self._rng.random() < 0.1:
                state.offset = self._draw_offset(spec, event.sport, key)
            quote = state.quote = self._quote(spec, state, key, board, now)
            if quote is not None:
                markets.append(quote)
        book.last_update = now
        book.last_sim = self._sim_now
        book.quote = BookmakerQuote(spec.key, spec.title, tuple(markets), now) if markets else None

    def _update_books(self, event: _Event, now: datetime) -> None:
        rng = self._rng
        board = _Board(self._pricer(event), event)
        live = event.status == "live"
        for book in event.books:
            spec = book.spec
            if not spec.sharp and book.quote is not None:
                if live:
                    # in play a soft book reprices or, once its line is older than a few minutes, pulls it
                    if rng.random() >= _LIVE_REPRICE:
                        if self._sim_now - book.last_sim > _LIVE_MAX_AGE:
                            book.quote = None
                        continue
                elif self._sim_now < book.stale_until:
                    continue
                elif rng.random() < spec.stale:
                    book.stale_until = self._sim_now + rng.uniform(*_STALE_SPELL)
                    continue
                elif rng.random() >= spec.reprice and self._sim_now - book.last_sim < _MAX_LAG:
                    continue
            self._reprice(event, book, board, now)

    # ---------------------------------------------------------------------------------------------- fetch

    def fetch(self) -> Snapshot:
        now = self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        if self._origin is None:
            self._origin = now
            self._start()
        self._sim_now = max(self._sim_now, self._to_sim(now))
        self.fetches += 1
        # a completed game was reported once, in the previous snapshot
        self._events = [e for e in self._events if e.status != "completed"]
        finished = 0
        out: list[EventOdds] = []
        for event in list(self._events):
            self._advance(event, min(self._sim_now, event.end))
            if self._sim_now >= event.end:
                self._finish(event)
                finished += 1
            else:
                if self._sim_now >= event.start:
                    event.status = "live"
                    event.home_score, event.away_score = math.floor(event.cum_h), math.floor(event.cum_a)
                self._update_books(event, now)
            out.append(self._event_odds(event))
        for _ in range(finished):
            new = self._schedule(20.0, 48 * 60.0)
            self._update_books(new, now)
            out.append(self._event_odds(new))
        out.sort(key=lambda e: (e.commence_time, e.id))
        return Snapshot(
            fetched_at=now,
            events=tuple(out),
            sports=self.sports,
            bookmakers=self.bookmakers,
            source=self.name,
        )

    def _event_odds(self, event: _Event) -> EventOdds:
        return EventOdds(
            id=event.id,
            sport_key=event.sport.key,
            sport_title=event.sport.title,
            commence_time=event.commence,
            home_team=event.home,
            away_team=event.away,
            bookmakers=tuple(b.quote for b in event.books if b.quote is not None),
            status=event.status,
            home_score=event.home_score,
            away_score=event.away_score,
        )
