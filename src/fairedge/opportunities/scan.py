"""The scan: the board's quote arrays → the pricing engine → opportunities, in one vectorised pass.

The board comes as a :class:`~fairedge.odds.board.QuoteBoard` (one row per bookmaker quote of a market);
Python loops only run over the opportunities found. A quote is fresh while its age (now − the provider's
last confirmation) is at most ``max_age_seconds``; stale quotes neither offer bets nor shape fair lines.

- +EV: fair probabilities from the sharp books for each devig method asked for; EV and Kelly at every
  fresh book's price net of exchange commission.
- Arbitrage: the best fresh net price per outcome across books; an arbitrage when Σ 1/best < 1.
- Middles: spreads and totals of one event at different points; pairs of markets whose winning windows
  overlap on at least one whole-number result. Their hit probability and EV come from each method's fair
  lines at both points (EV is linear, so a middle's EV is the stake-weighted EV of its legs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from fairedge.odds.board import BookFacts, QuoteBoard, fair_lines
from fairedge.odds.quotes import SPREAD_KEYS
from fairedge.pricing.arbitrage import arbitrage_margin, best_prices
from fairedge.pricing.ev import ev as expected_value
from fairedge.pricing.ev import hold as market_hold
from fairedge.pricing.fair import SOURCE_NONE, SOURCE_SHARP, FairLine
from fairedge.pricing.kelly import kelly
from fairedge.pricing.middles import middle_outcome, middle_window

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ARB_EPSILON = 1e-9  # float noise: an exact zero margin comes out as ±1e-16


@dataclass(frozen=True)
class ScanConfig:
    min_ev: float = 0.01
    methods: tuple[str, ...] = ("shin",)
    max_age_seconds: float = 900.0
    middle_max_loss: float = 0.05  # keep middles whose loss when they miss is at most this share of the stake


@dataclass(frozen=True)
class Shape:
    """What the scan must know of a market with a line: its event and family (for middles)."""

    event_id: int
    key: str
    period: str
    point: float
    player: str


@dataclass(slots=True)
class Leg:
    market_id: int
    outcome_index: int
    bookmaker: str
    price: float  # quoted decimal odds
    net_price: float  # net of exchange commission
    stake: float  # share of the opportunity's total stake
    payout: float  # return per unit of total stake if this leg wins


@dataclass(slots=True)
class Found:
    key: str
    kind: str  # ev | arbitrage | middle
    market_id: int  # the first leg's market
    legs: list[Leg]
    confirmed_at: float  # epoch seconds, oldest leg
    book_updated_at: float
    ev: float | None = None
    fair_prob: float | None = None
    kelly_fraction: float | None = None
    hold: float | None = None
    devig_method: str | None = None
    fair_source: str | None = None
    sharp_books: list[str] = field(default_factory=list)
    profit_margin: float | None = None
    hit_probability: float | None = None
    max_loss: float | None = None
    window: tuple[float, float] | None = None
    axis: str | None = None


def scan(
    quotes: QuoteBoard, books: BookFacts, shapes: dict[int, Shape], config: ScanConfig, *, now: float
) -> list[Found]:
    if quotes.odds.shape[0] == 0:
        return []
    ages = quotes.ages(now)
    fresh = ages <= config.max_age_seconds
    sharp = _sharp_books_by_market(quotes, books, fresh)
    found: list[Found] = []
    net = np.where(fresh[:, None], quotes.net, np.nan)
    best, best_row = best_prices(net, quotes.market_index, n_markets=quotes.n_markets)
    found.extend(_arbitrages(quotes, books, best, best_row))
    pairs = _middle_pairs(quotes, shapes, best, config)  # where middles are does not depend on the method
    for method in config.methods:
        line = fair_lines(quotes, books, method=method, ages=ages, max_age_seconds=config.max_age_seconds)
        found.extend(_ev_bets(quotes, books, line, fresh, method, sharp, config))
        found.extend(_middle(quotes, books, best, best_row, (method, line), pair, sharp) for pair in pairs)
    return found


def _sharp_books_by_market(quotes: QuoteBoard, books: BookFacts, fresh: NDArray[np.bool_]) -> list[list[str]]:
    """The fresh sharp books quoting each market (by market index), sorted."""
    by_market: list[list[str]] = [[] for _ in range(quotes.n_markets)]
    rows = np.nonzero(fresh & (books.weight[quotes.book] > 0))[0]
    for r in rows.tolist():
        by_market[int(quotes.market_index[r])].append(books.key[int(quotes.book[r])])
    for names in by_market:
        names.sort()
    return by_market


def _source(line: FairLine, market_index: int) -> str:
    return "sharp" if line.source[market_index] == SOURCE_SHARP else "consensus"


def _ev_bets(
    quotes: QuoteBoard,
    books: BookFacts,
    line: FairLine,
    fresh: NDArray[np.bool_],
    method: str,
    sharp: list[list[str]],
    config: ScanConfig,
) -> list[Found]:
    prob = line.prob[quotes.market_index]  # (rows, width)
    with np.errstate(invalid="ignore"):
        ev = expected_value(prob, quotes.net)
        mask = (ev >= config.min_ev) & np.isfinite(ev) & fresh[:, None] & ~np.isnan(quotes.odds)
    mask &= (line.source[quotes.market_index] != SOURCE_NONE)[:, None]
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return []
    commission = books.commission[quotes.book[rows]]
    stakes = kelly(prob[rows, cols], quotes.odds[rows, cols], commission=commission)
    holds = market_hold(quotes.odds[rows])
    out = []
    for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        mi = int(quotes.market_index[r])
        market_id = int(quotes.market_ids[mi])
        book = books.key[int(quotes.book[r])]
        net = float(quotes.net[r, c])
        source = _source(line, mi)
        out.append(
            Found(
                key=f"ev|{method}|{market_id}|{book}|{c}",
                kind="ev",
                market_id=market_id,
                legs=[Leg(market_id, c, book, float(quotes.odds[r, c]), net, 1.0, net)],
                confirmed_at=float(quotes.confirmed_at[r]),
                book_updated_at=float(quotes.book_updated_at[r]),
                ev=float(ev[r, c]),
                fair_prob=float(prob[r, c]),
                kelly_fraction=float(stakes[i]),
                hold=float(holds[i]),
                devig_method=method,
                fair_source=source,
                sharp_books=sharp[mi] if source == "sharp" else [],
            )
        )
    return out


def _arbitrages(quotes: QuoteBoard, books: BookFacts, best: F64, best_row: NDArray[np.intp]) -> list[Found]:
    width = quotes.width_of_markets()
    complete = (~np.isnan(best)).sum(axis=1) == width
    with np.errstate(invalid="ignore"):
        margin = arbitrage_margin(best)
    arbs = np.nonzero(complete & (margin > ARB_EPSILON) & (width >= 2))[0]
    # Equal-payout stakes for every arbitrage at once (pricing.arbitrage.arbitrage_stakes, per unit staked):
    # s_i = (1/d_i)/Σ(1/d_j), each leg returns 1/Σ(1/d_j) = 1 + profit margin.
    inverse = np.where(np.isnan(best[arbs]), 0.0, 1.0 / best[arbs])
    booksum = inverse.sum(axis=1)
    stakes = inverse / booksum[:, None]
    out = []
    for j, mi in enumerate(arbs.tolist()):
        n = int(width[mi])
        rows = best_row[mi, :n]
        names = [books.key[int(quotes.book[r])] for r in rows]
        market_id = int(quotes.market_ids[mi])
        payout = float(1.0 / booksum[j])
        out.append(
            Found(
                key=f"arbitrage|{market_id}|{'/'.join(names)}",
                kind="arbitrage",
                market_id=market_id,
                legs=[
                    Leg(
                        market_id,
                        k,
                        names[k],
                        float(quotes.odds[rows[k], k]),
                        float(best[mi, k]),
                        float(stakes[j, k]),
                        payout,
                    )
                    for k in range(n)
                ],
                confirmed_at=float(quotes.confirmed_at[rows].min()),
                book_updated_at=float(quotes.book_updated_at[rows].min()),
                profit_margin=payout - 1.0,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class MiddlePair:
    lower: int  # market index of the leg that wins above its line (Over; home side)
    upper: int  # market index of the leg that wins below its line (Under; away side)
    window: tuple[float, float]  # both legs win when low < result < high
    spread: bool
    stakes: tuple[float, float]  # shares of the total stake returning the same when one leg wins
    max_loss: float  # share of the total stake lost when only one leg wins


def _middle_pairs(
    quotes: QuoteBoard, shapes: dict[int, Shape], best: F64, config: ScanConfig
) -> list[MiddlePair]:
    ids = quotes.market_ids.tolist()
    candidates = [(i, shapes[mid]) for i, mid in enumerate(ids) if mid in shapes]  # markets with a line
    if len(candidates) < 2:
        return []
    index = np.array([c[0] for c in candidates], dtype=np.int64)
    families: dict[tuple[int, str, str, str], int] = {}
    family = np.array(
        [families.setdefault((s.event_id, s.key, s.period, s.player), len(families)) for _, s in candidates],
        dtype=np.int64,
    )
    is_spread = np.array([s.key in SPREAD_KEYS for _, s in candidates])
    # Put every line on one result axis — the total, or the home side's winning margin m — and call the
    # outcome that wins above the line the lower leg (Over; home at point h wins when m > -h) and the one
    # that wins below it the upper leg (Under; away wins when m < -h). Both win strictly between the lower
    # leg's line and a higher upper leg's line.
    point = np.array([s.point for _, s in candidates])
    bound = np.where(is_spread, -point, point)
    order = np.lexsort((bound, family))
    index, family, bound, is_spread = index[order], family[order], bound[order], is_spread[order]
    pairs: list[MiddlePair] = []
    n = index.size
    for offset in range(1, n):
        same = family[: n - offset] == family[offset:]
        if not same.any():
            break
        lo_i = np.nonzero(same)[0]
        hi_i = lo_i + offset
        lo_line, hi_line = bound[lo_i], bound[hi_i]
        # On one result axis the totals form of the window serves spreads too.
        has_window = middle_window("totals", lo_line, hi_line).has_window  # a whole-number result inside
        m_lo, m_hi = index[lo_i], index[hi_i]
        d_a, d_b = best[m_lo, 0], best[m_hi, 1]
        ok = has_window & np.isfinite(d_a) & np.isfinite(d_b)
        with np.errstate(invalid="ignore"):
            outcome = middle_outcome(np.where(ok, d_a, 2.0), np.where(ok, d_b, 2.0), 1.0)
        ok &= outcome.loss_if_not >= -config.middle_max_loss
        pairs.extend(
            MiddlePair(
                int(m_lo[k]),
                int(m_hi[k]),
                (float(lo_line[k]), float(hi_line[k])),
                bool(is_spread[lo_i[k]]),
                (float(outcome.stake_a[k]), float(outcome.stake_b[k])),
                -float(outcome.loss_if_not[k]),
            )
            for k in np.nonzero(ok)[0].tolist()
        )
    return pairs


def _middle(
    quotes: QuoteBoard,
    books: BookFacts,
    best: F64,
    best_row: NDArray[np.intp],
    method_line: tuple[str, FairLine],
    pair: MiddlePair,
    sharp: list[list[str]],
) -> Found:
    method, fair = method_line
    m_lo, m_hi = pair.lower, pair.upper
    row_a, row_b = int(best_row[m_lo, 0]), int(best_row[m_hi, 1])
    d_a, d_b = float(best[m_lo, 0]), float(best[m_hi, 1])
    stake_a, stake_b = pair.stakes
    book_a, book_b = books.key[int(quotes.book[row_a])], books.key[int(quotes.book[row_b])]
    ev = hit = None
    if np.isfinite(fair.prob[m_lo, 0]) and np.isfinite(fair.prob[m_hi, 1]):
        p_a, p_b = float(fair.prob[m_lo, 0]), float(fair.prob[m_hi, 1])
        # Fair lines at two points from different sources can disagree; a probability is never below 0.
        hit = max(p_a + p_b - 1.0, 0.0)
        ev = stake_a * (p_a * d_a - 1.0) + stake_b * (p_b * d_b - 1.0)
    id_a, id_b = int(quotes.market_ids[m_lo]), int(quotes.market_ids[m_hi])
    both_sharp = fair.source[m_lo] == SOURCE_SHARP and fair.source[m_hi] == SOURCE_SHARP
    rows = [row_a, row_b]
    return Found(
        key=f"middle|{method}|{id_a}|{id_b}|{book_a}|{book_b}",
        kind="middle",
        market_id=id_a,
        legs=[
            Leg(id_a, 0, book_a, float(quotes.odds[row_a, 0]), d_a, stake_a, stake_a * d_a),
            Leg(id_b, 1, book_b, float(quotes.odds[row_b, 1]), d_b, stake_b, stake_b * d_b),
        ],
        confirmed_at=float(quotes.confirmed_at[rows].min()),
        book_updated_at=float(quotes.book_updated_at[rows].min()),
        ev=ev,
        devig_method=method,
        fair_source=None if ev is None else ("sharp" if both_sharp else "consensus"),
        sharp_books=sorted(set(sharp[m_lo]) | set(sharp[m_hi])) if both_sharp else [],
        hit_probability=hit,
        max_loss=pair.max_loss,
        window=pair.window,
        axis="home_margin" if pair.spread else "total",
    )
