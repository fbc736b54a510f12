"""The scan: current odds rows → arrays → the pricing engine → opportunities, in one vectorised pass.

Input is the board as columns (one entry per current price). Prices are grouped into *quote rows* (one
bookmaker's full quote of one market, outcomes padded with NaN), so that every book's every outcome is
priced against the fair line with array operations; Python loops only run over the opportunities found.

- +EV: fair probabilities from the sharp books (``pricing.fair.fair_line``) for each devig method asked
  for; EV and Kelly at every book's price net of exchange commission.
- Arbitrage: the best fresh net price per outcome across books; an arbitrage when Σ 1/best < 1.
- Middles: spreads and totals of one event at different points; pairs of markets whose winning windows
  overlap on at least one whole-number result. Their hit probability and EV come from the fair lines at
  both points (EV is linear, so a middle's EV is the stake-weighted EV of its legs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairedge.odds.quotes import SPREAD_KEYS
from fairedge.pricing.arbitrage import arbitrage_margin, arbitrage_stakes
from fairedge.pricing.ev import ev as expected_value
from fairedge.pricing.ev import hold as market_hold
from fairedge.pricing.fair import SOURCE_NONE, SOURCE_SHARP, fair_line
from fairedge.pricing.kelly import kelly
from fairedge.pricing.middles import middle_outcome, middle_window
from fairedge.pricing.odds import net_of_commission

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ARB_EPSILON = 1e-9  # float noise: an exact zero margin comes out as ±1e-16


@dataclass(frozen=True)
class ScanConfig:
    min_ev: float = 0.01
    methods: tuple[str, ...] = ("shin",)
    max_age_seconds: float = 900.0
    middle_max_loss: float = 0.05  # keep middles whose loss when they miss is at most this share of the stake
    bankroll: float = 100.0  # stakes shown for arbitrage and middles are per this bankroll


@dataclass(frozen=True)
class BookTable:
    """Bookmaker facts indexed by bookmaker id (arrays sized max id + 1)."""

    key: dict[int, str]
    weight: F64
    commission: F64

    @classmethod
    def build(cls, books: list[tuple[int, str, float, float]]) -> BookTable:
        size = max((b[0] for b in books), default=0) + 1
        weight = np.zeros(size)
        commission = np.zeros(size)
        for book_id, _key, w, c in books:
            weight[book_id] = w
            commission[book_id] = c
        return cls({b[0]: b[1] for b in books}, weight, commission)


@dataclass(frozen=True)
class Shape:
    """What the scan must know of a market: its event and family (for middles)."""

    event_id: int
    key: str
    period: str
    point: float
    player: str


@dataclass
class Found:
    key: str
    kind: str  # ev | arbitrage | middle
    market_id: int
    outcome_index: int  # the first leg's outcome
    bookmaker: str
    price: float  # first leg's quoted decimal odds
    ev: float
    quote_age_seconds: float
    fair_prob: float | None = None
    kelly: float | None = None
    devig_method: str | None = None
    sharp_books: list[str] = field(default_factory=list)
    hold: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Quotes:
    odds: F64  # (rows, width) quoted decimal odds, NaN-padded
    net: F64  # the same net of exchange commission (what a backer receives)
    book: I64  # (rows,) bookmaker id
    market_index: I64  # (rows,) index into market_ids
    market_ids: I64  # (markets,)
    age: F64  # (rows,) seconds since the book last updated the quote


def build_quotes(
    market_id: ArrayLike,
    bookmaker_id: ArrayLike,
    outcome_index: ArrayLike,
    price: ArrayLike,
    quoted_at: ArrayLike,
    *,
    board_time: float,
    books: BookTable,
) -> Quotes:
    m = np.asarray(market_id, dtype=np.int64)
    b = np.asarray(bookmaker_id, dtype=np.int64)
    o = np.asarray(outcome_index, dtype=np.int64)
    pair = m * (len(books.weight) + 1) + b
    _pairs, first, row = np.unique(pair, return_index=True, return_inverse=True)
    width = int(o.max()) + 1 if o.size else 1
    odds = np.full((first.size, width), np.nan)
    odds[row, o] = np.asarray(price, dtype=np.float64)
    newest = np.full(first.size, -np.inf)
    np.maximum.at(newest, row, np.asarray(quoted_at, dtype=np.float64))
    market_ids, market_index = np.unique(m[first], return_inverse=True)
    book = b[first]
    return Quotes(
        odds=odds,
        net=net_of_commission(odds, books.commission[book][:, None]),
        book=book,
        market_index=market_index.astype(np.int64),
        market_ids=market_ids.astype(np.int64),
        age=np.maximum(board_time - newest, 0.0),
    )


def scan(quotes: Quotes, books: BookTable, shapes: dict[int, Shape], config: ScanConfig) -> list[Found]:
    if quotes.odds.shape[0] == 0:
        return []
    n_markets = quotes.market_ids.size
    fresh = quotes.age <= config.max_age_seconds
    found: list[Found] = []
    fair_by_method = {}
    for method in config.methods:
        line = fair_line(
            quotes.odds,
            quotes.market_index,
            books.weight[quotes.book],
            n_markets=n_markets,
            method=method,
            commission=books.commission[quotes.book],
            age_seconds=quotes.age,
            max_age_seconds=config.max_age_seconds,
        )
        fair_by_method[method] = line
        found.extend(_ev_bets(quotes, books, line.prob, line.source, fresh, method, config))
    best, best_row = _best_prices(quotes, fresh, n_markets)
    found.extend(_arbitrages(quotes, books, best, best_row, config))
    primary = fair_by_method[config.methods[0]].prob if config.methods else None
    found.extend(_middles(quotes, books, shapes, best, best_row, primary, config))
    _attach_sharp_books(found, quotes, books, fresh, fair_by_method)
    return found


def _ev_bets(
    quotes: Quotes,
    books: BookTable,
    fair: F64,
    source: NDArray[Any],
    fresh: NDArray[np.bool_],
    method: str,
    config: ScanConfig,
) -> list[Found]:
    prob = fair[quotes.market_index]  # (rows, width)
    with np.errstate(invalid="ignore"):
        ev = expected_value(prob, quotes.net)
        mask = (ev >= config.min_ev) & np.isfinite(ev) & fresh[:, None] & ~np.isnan(quotes.odds)
    mask &= (source[quotes.market_index] != SOURCE_NONE)[:, None]
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return []
    commission = books.commission[quotes.book[rows]]
    stakes = kelly(prob[rows, cols], quotes.odds[rows, cols], commission=commission)
    holds = market_hold(quotes.odds[rows])
    out = []
    for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        market_id = int(quotes.market_ids[quotes.market_index[r]])
        book = books.key[int(quotes.book[r])]
        p = float(prob[r, c])
        out.append(
            Found(
                key=f"ev|{method}|{market_id}|{book}|{c}",
                kind="ev",
                market_id=market_id,
                outcome_index=c,
                bookmaker=book,
                price=float(quotes.odds[r, c]),
                ev=float(ev[r, c]),
                quote_age_seconds=float(quotes.age[r]),
                fair_prob=p,
                kelly=float(stakes[i]),
                devig_method=method,
                hold=float(holds[i]),
                details={
                    "fair_odds": 1.0 / p,
                    "net_price": float(quotes.net[r, c]),
                    "source": "sharp" if source[quotes.market_index[r]] == SOURCE_SHARP else "consensus",
                },
            )
        )
    return out


def _best_prices(quotes: Quotes, fresh: NDArray[np.bool_], n_markets: int) -> tuple[F64, I64]:
    """Best fresh net price per market and outcome, and the quote row offering it (-1 where none)."""
    width = quotes.odds.shape[1]
    net = np.where(fresh[:, None], quotes.net, np.nan)
    best = np.full((n_markets, width), -np.inf)
    np.fmax.at(best, quotes.market_index, net)
    best[np.isinf(best)] = np.nan
    # The row offering the best price: among rows equal to the best, the lowest index.
    row_ids = np.broadcast_to(np.arange(net.shape[0])[:, None], net.shape)
    is_best = net == best[quotes.market_index]
    best_row = np.full((n_markets, width), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best_row, quotes.market_index, np.where(is_best, row_ids, np.iinfo(np.int64).max))
    best_row[best_row == np.iinfo(np.int64).max] = -1
    # Markets whose outcome count differs between books cannot be combined: the widest quote defines it.
    return best, best_row


def _market_width(quotes: Quotes, n_markets: int) -> I64:
    counts = (~np.isnan(quotes.odds)).sum(axis=1)
    width = np.zeros(n_markets, dtype=np.int64)
    np.maximum.at(width, quotes.market_index, counts)
    return width


def _arbitrages(
    quotes: Quotes, books: BookTable, best: F64, best_row: I64, config: ScanConfig
) -> list[Found]:
    n_markets = best.shape[0]
    width = _market_width(quotes, n_markets)
    complete = (~np.isnan(best)).sum(axis=1) == width
    with np.errstate(invalid="ignore"):
        margin = arbitrage_margin(best)
    arb = np.nonzero(complete & (margin > ARB_EPSILON) & (width >= 2))[0]
    out = []
    for mi in arb.tolist():
        n = int(width[mi])
        legs_rows = best_row[mi, :n]
        legs_books = [books.key[int(quotes.book[r])] for r in legs_rows]
        stakes = arbitrage_stakes(best[mi, :n], config.bankroll)
        market_id = int(quotes.market_ids[mi])
        out.append(
            Found(
                key=f"arbitrage|{market_id}|{'/'.join(legs_books)}",
                kind="arbitrage",
                market_id=market_id,
                outcome_index=0,
                bookmaker=" / ".join(legs_books),
                price=float(quotes.odds[legs_rows[0], 0]),
                ev=float(margin[mi]),
                quote_age_seconds=float(quotes.age[legs_rows].max()),
                details={
                    "legs": [
                        {
                            "outcome_index": k,
                            "bookmaker": legs_books[k],
                            "price": float(quotes.odds[legs_rows[k], k]),
                            "net_price": float(best[mi, k]),
                            "stake": float(stakes.stakes[k]),
                            "payout": float(stakes.payouts[k]),
                        }
                        for k in range(n)
                    ],
                    "bankroll": config.bankroll,
                    "profit": float(stakes.guaranteed_profit),
                },
            )
        )
    return out


def _middles(
    quotes: Quotes,
    books: BookTable,
    shapes: dict[int, Shape],
    best: F64,
    best_row: I64,
    fair: F64 | None,
    config: ScanConfig,
) -> list[Found]:
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
    out: list[Found] = []
    n = index.size
    for offset in range(1, n):
        same = family[: n - offset] == family[offset:]
        if not same.any():
            break
        lo_i = np.nonzero(same)[0]
        hi_i = lo_i + offset
        # Lower leg from the market with the lower line, upper leg from the one with the higher line; on
        # one result axis the totals form of the window serves spreads too.
        lo_line, hi_line = bound[lo_i], bound[hi_i]
        has_window = middle_window("totals", lo_line, hi_line).has_window  # a whole-number result inside
        m_lo, m_hi = index[lo_i], index[hi_i]
        d_a, d_b = best[m_lo, 0], best[m_hi, 1]
        ok = has_window & np.isfinite(d_a) & np.isfinite(d_b)
        with np.errstate(invalid="ignore"):
            loss = middle_outcome(np.where(ok, d_a, 2.0), np.where(ok, d_b, 2.0), config.bankroll).loss_if_not
        ok &= loss >= -config.middle_max_loss * config.bankroll
        for k in np.nonzero(ok)[0].tolist():
            out.append(
                _middle(
                    quotes,
                    books,
                    best,
                    best_row,
                    fair,
                    int(m_lo[k]),
                    int(m_hi[k]),
                    float(lo_line[k]),
                    float(hi_line[k]),
                    bool(is_spread[lo_i[k]]),
                    config,
                )
            )
    return out


def _middle(
    quotes: Quotes,
    books: BookTable,
    best: F64,
    best_row: I64,
    fair: F64 | None,
    m_lo: int,
    m_hi: int,
    lo_line: float,
    hi_line: float,
    spread: bool,
    config: ScanConfig,
) -> Found:
    row_a, row_b = int(best_row[m_lo, 0]), int(best_row[m_hi, 1])
    d_a, d_b = float(best[m_lo, 0]), float(best[m_hi, 1])
    bankroll = config.bankroll
    outcome = middle_outcome(d_a, d_b, bankroll)
    stake_a, stake_b = float(outcome.stake_a), float(outcome.stake_b)
    book_a, book_b = books.key[int(quotes.book[row_a])], books.key[int(quotes.book[row_b])]
    ev = hit = None
    if fair is not None and np.isfinite(fair[m_lo, 0]) and np.isfinite(fair[m_hi, 1]):
        p_a, p_b = float(fair[m_lo, 0]), float(fair[m_hi, 1])
        # Fair lines at two points from different sources can disagree; a probability is never below 0.
        hit = max(p_a + p_b - 1.0, 0.0)
        ev = (stake_a * (p_a * d_a - 1.0) + stake_b * (p_b * d_b - 1.0)) / bankroll
    id_a, id_b = int(quotes.market_ids[m_lo]), int(quotes.market_ids[m_hi])
    return Found(
        key=f"middle|{id_a}|{id_b}|{book_a}|{book_b}",
        kind="middle",
        market_id=id_a,
        outcome_index=0,
        bookmaker=f"{book_a} / {book_b}",
        price=float(quotes.odds[row_a, 0]),
        ev=ev if ev is not None else float(outcome.loss_if_not) / bankroll,
        quote_age_seconds=float(max(quotes.age[row_a], quotes.age[row_b])),
        fair_prob=hit,
        details={
            "axis": "home_margin" if spread else "total",
            "window": [lo_line, hi_line],  # both legs win when lo < result < hi
            "legs": [
                {
                    "market_id": id_a,
                    "outcome_index": 0,
                    "bookmaker": book_a,
                    "price": float(quotes.odds[row_a, 0]),
                    "net_price": d_a,
                    "stake": stake_a,
                },
                {
                    "market_id": id_b,
                    "outcome_index": 1,
                    "bookmaker": book_b,
                    "price": float(quotes.odds[row_b, 1]),
                    "net_price": d_b,
                    "stake": stake_b,
                },
            ],
            "bankroll": bankroll,
            "payout_if_middle": float(outcome.payout_if_middle),
            "loss_if_not": float(outcome.loss_if_not),
            "hit_probability": hit,
        },
    )


def _attach_sharp_books(
    found: list[Found],
    quotes: Quotes,
    books: BookTable,
    fresh: NDArray[np.bool_],
    fair_by_method: dict[str, Any],
) -> None:
    """Name the books behind each opportunity's fair line (or "consensus") — only for markets with a find."""
    if not found:
        return
    wanted = np.isin(quotes.market_ids, [f.market_id for f in found])
    sharp_rows = np.nonzero(fresh & (books.weight[quotes.book] > 0) & wanted[quotes.market_index])[0]
    by_market: dict[int, list[str]] = {}
    for r in sharp_rows.tolist():
        by_market.setdefault(int(quotes.market_ids[quotes.market_index[r]]), []).append(
            books.key[int(quotes.book[r])]
        )
    for f in found:
        if f.kind == "ev" and f.details.get("source") == "consensus":
            f.sharp_books = ["consensus"]
        else:
            f.sharp_books = sorted(by_market.get(f.market_id, [])) or ["consensus"]
