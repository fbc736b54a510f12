"""Margin removal ("devigging"): from one bookmaker's prices to fair probabilities, for a whole batch at once.

Notation (see ``shared/reference/devig-methods.md``): decimal odds ``d_i``, inverse odds ``π_i = 1/d_i``,
booksum ``Π = Σ π_i``, margin ``M = Π − 1``, ``n`` outcomes, fair probabilities ``p_i`` with ``Σ p_i = 1``.

==============  ==================================================================  ========================
method          formula                                                             source
==============  ==================================================================  ========================
multiplicative  ``p_i = π_i / Π``                                                   basic normalisation
additive        ``p_i = π_i − M/n`` (refused when some ``p_i < 0``)                 Buchdahl; penaltyblog
power           ``p_i = π_i^k``, ``Σ π_i^k = 1``                                    Buchdahl ("logarithmic")
shin            ``p_i = (√(z² + 4(1−z)π_i²/Π) − z) / (2(1−z))``, ``z ∈ [0, 1)``     Shin (1992, 1993)
odds_ratio      ``p_i = π_i / (c + π_i − cπ_i)``, i.e. ``odds(p_i) = odds(π_i)/c``  Cheung (2015); Buchdahl
probit          ``p_i = Φ(Φ⁻¹(π_i) − c)``                                           R package ``implied``
worst_case      per outcome ``min`` over ``methods`` (does not sum to 1)            Crazy Ninja Odds
blend           ``Σ_m w_m p_i^(m) / Σ_m w_m`` over ``weights``                      FairEdge
==============  ==================================================================  ========================

Batches are 2-D ``(markets, width)`` arrays, narrower markets padded with NaN (normally on the right; NaN
anywhere is treated as "no such outcome"). Rows are grouped by outcome count, transposed to outcome-major
``(n, rows)`` arrays so every column operation is contiguous, and solved together: iterative methods run one
safeguarded Newton iteration for the whole group per step (bisection whenever Newton would leave the bracket),
and only the rows that have not yet converged are carried to the next step. Two-way markets use closed forms
where they exist (additive = Shin, odds ratio, probit); power always iterates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from fairedge.pricing.odds import FloatArray, raise_invalid

__all__ = [
    "ALIASES",
    "BASE_METHODS",
    "METHODS",
    "ConvergenceError",
    "DevigError",
    "canonical_method",
    "devig",
]

BASE_METHODS: tuple[str, ...] = ("multiplicative", "additive", "power", "shin", "odds_ratio", "probit")
"""The single-formula methods; ``worst_case`` defaults to all of them and ``blend`` draws from them."""

METHODS: tuple[str, ...] = (*BASE_METHODS, "worst_case")
"""The methods usable by name alone (what callers validate user input against; ``worst_case`` takes
``methods``). :func:`devig` also accepts ``"blend"``, which needs ``weights`` and so is not listed here."""

_ALL_METHODS: tuple[str, ...] = (*METHODS, "blend")

ALIASES: dict[str, str] = {
    # Plain "logarithmic" follows penaltyblog, whose ``logarithmic`` shifts log-odds by a constant: that is
    # the odds-ratio model (logit p = logit π − ln c). Buchdahl uses the same word for the power method:
    # ask for "buchdahl_logarithmic" (or "power") to get that one.
    "logarithmic": "odds_ratio",
    "penaltyblog_logarithmic": "odds_ratio",
    "buchdahl_logarithmic": "power",
    "logit": "odds_ratio",
    "odds-ratio": "odds_ratio",
    "differential_margin_weighting": "additive",  # penaltyblog's name; equal to additive for every n
    "equal_margin": "additive",
    "normalization": "multiplicative",
    "normalisation": "multiplicative",
    "basic": "multiplicative",
    "proportional": "multiplicative",
    "worst-case": "worst_case",
}

OnError = Literal["raise", "nan"]

_OK, _NEGATIVE, _ARBITRAGE, _NO_CONVERGENCE, _TOO_FEW = 0, 1, 2, 3, 4
_REASONS = {
    _NEGATIVE: "additive margin removal gives a negative probability (margin/n exceeds the smallest 1/d)",
    _ARBITRAGE: "negative margin (an arbitrage book): Shin's insider share z has no solution in [0, 1)",
    _NO_CONVERGENCE: "the solver did not reach |Σp − 1| ≤ tol within max_iter iterations",
    _TOO_FEW: "fewer than two priced outcomes",
}


class DevigError(ValueError):
    """A row has no fair probabilities under the chosen method (see the message for row and reason)."""


class ConvergenceError(DevigError):
    """An iterative method did not converge for a row within ``max_iter`` iterations."""


def canonical_method(name: str) -> str:
    """Resolve ``name`` (any case, ``-``/space for ``_``, :data:`ALIASES`) to ``"blend"`` or a
    :data:`METHODS` entry."""
    key = name.strip().lower()
    key = ALIASES.get(key, key).replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in _ALL_METHODS:
        choices = ", ".join(_ALL_METHODS)
        raise ValueError(
            f"unknown devig method {name!r}: choose from {choices} (aliases: {', '.join(ALIASES)})"
        )
    return key


def devig(
    decimal_odds: ArrayLike,
    method: str = "shin",
    *,
    methods: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    tol: float = 1e-12,
    max_iter: int = 100,
    on_error: OnError = "raise",
) -> FloatArray:
    """Fair probabilities for one market (1-D) or a batch (2-D, NaN-padded rows), same shape as the input.

    Formulas: see the module table. Every valid row of a single method sums to 1 (iterative methods to
    ``tol``), keeps the order of the implied probabilities, and a zero-margin row comes back unchanged
    (every parameter starts at its neutral value, where ``Σp − 1 = M = 0`` is already solved).

    * ``method="worst_case"``: per-outcome minimum over ``methods`` (default :data:`BASE_METHODS`); a row for
      which any of them fails is a failing row, because a minimum over fewer methods is not the worst case.
    * ``method="blend"``: weighted average of the methods in ``weights`` (``{"shin": 2, "power": 1}``), which
      sums to 1 as a convex combination.
    * Failing rows: Shin with a negative margin beyond ``tol`` (an arbitrage book has no ``z ∈ [0, 1)``),
      additive giving a negative probability, a row with exactly one price, or no convergence within
      ``max_iter``. ``on_error="raise"`` raises :class:`DevigError` (:class:`ConvergenceError` for the last)
      naming the first failing row; ``on_error="nan"`` returns NaN for those rows and keeps the rest.
      All-NaN rows are padding and come back as NaN without error.

    Invalid odds (``≤ 1``, infinite) raise ``ValueError`` naming index and value.
    """
    name = canonical_method(method)
    if on_error not in ("raise", "nan"):
        raise ValueError(f"on_error must be 'raise' or 'nan', got {on_error!r}")
    if not (tol > 0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be ≥ 1, got {max_iter!r}")
    if name != "worst_case" and methods is not None:
        raise ValueError("methods= applies to method='worst_case' only")
    if name != "blend" and weights is not None:
        raise ValueError("weights= applies to method='blend' only")

    if name == "worst_case":
        chosen = _base_methods(methods if methods is not None else BASE_METHODS, "methods")
        parts = [devig(decimal_odds, m, tol=tol, max_iter=max_iter, on_error=on_error) for m in chosen]
        worst: FloatArray = np.minimum.reduce(parts)  # NaN (failed row) propagates, as documented
        return worst
    if name == "blend":
        if not weights:
            raise ValueError("method='blend' needs weights, e.g. weights={'shin': 1.0, 'power': 1.0}")
        keys = _base_methods(list(weights), "weights")
        w = np.array([float(weights[k]) for k in weights], dtype=np.float64)
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
            raise ValueError(f"blend weights must be ≥ 0 with a positive sum, got {dict(weights)}")
        total = sum(
            wk * devig(decimal_odds, m, tol=tol, max_iter=max_iter, on_error=on_error)
            for wk, m in zip(w.tolist(), keys, strict=True)
            if wk > 0
        )
        blended: FloatArray = np.asarray(total, dtype=np.float64) / float(w.sum())
        return blended

    d = np.asarray(decimal_odds, dtype=np.float64)
    if d.ndim not in (1, 2):
        raise ValueError(f"decimal_odds must be 1-D (one market) or 2-D (markets × outcomes), got {d.ndim}-D")
    batch = d if d.ndim == 2 else d[np.newaxis, :]
    probs, codes = _devig_batch(name, batch, d, tol, max_iter)
    failed = codes != _OK
    if bool(failed.any()):
        if on_error == "raise":
            _raise_failure(name, batch, codes, d.ndim)
        probs[failed] = np.nan
    return probs if d.ndim == 2 else probs[0]


def _base_methods(names: Sequence[str], what: str) -> list[str]:
    resolved = [canonical_method(m) for m in names]
    composite = [m for m in resolved if m not in BASE_METHODS]
    if composite or not resolved:
        raise ValueError(f"{what} must name one or more of {', '.join(BASE_METHODS)}, got {list(names)}")
    return resolved


def _raise_failure(name: str, batch: FloatArray, codes: NDArray[np.int8], ndim: int) -> None:
    rows = np.flatnonzero(codes != _OK)
    row = int(rows[0])
    code = int(codes[row])
    where = "the market" if ndim == 1 else f"row {row}"
    odds = [round(float(x), 6) for x in batch[row] if not math.isnan(x)]
    more = f" ({rows.size - 1} more rows failed)" if rows.size > 1 else ""
    message = f"devig method {name!r} failed for {where} (decimal odds {odds}): {_REASONS[code]}{more}"
    raise (ConvergenceError if code == _NO_CONVERGENCE else DevigError)(message)


def _devig_batch(
    name: str, batch: FloatArray, original: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.int8]]:
    """Validate, group rows by outcome count, run one method: (probabilities, failure code per row)."""
    rows, width = batch.shape
    if width >= 2:
        dense = _blocked(name, batch, tol, max_iter)  # fast path: no padding anywhere
        if dense is not None:
            return dense
    with np.errstate(divide="ignore"):
        implied = 1.0 / batch
    missing = np.isnan(batch)
    bad = ~((implied > 0.0) & (implied < 1.0)) & ~missing  # 0 < 1/d < 1 is 1 < d < ∞
    if bool(bad.any()):
        raise_invalid(original, bad.reshape(original.shape), "decimal odds", "must be a finite number > 1")
    out = np.full(batch.shape, np.nan)
    codes = np.zeros(rows, dtype=np.int8)
    counts = width - missing.sum(axis=1)
    codes[counts == 1] = _TOO_FEW
    # Move each row's prices to the front (stable, so the outcome order is kept), solve each width as a dense
    # group, and scatter back: one pass per distinct outcome count, never one per market.
    order = np.argsort(missing, axis=1, kind="stable")
    packed = np.take_along_axis(batch, order, axis=1)
    for n in np.unique(counts[counts >= 2]).tolist():
        group = np.flatnonzero(counts == n)
        solved = _blocked(name, packed[group, :n], tol, max_iter)
        assert solved is not None  # packed rows hold validated prices only
        out[group[:, np.newaxis], order[group, :n]], codes[group] = solved
    return out, codes


_BLOCK = 16384
"""Rows per block: keeps every temporary of a block in L2 cache instead of streaming 100k-row arrays."""


def _blocked(
    name: str, decimal_odds: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.int8]] | None:
    """Run :func:`_dense` over ``(rows, n)`` decimal odds in cache-sized blocks of rows.

    Returns ``None`` as soon as a block holds anything but ``1 < d < ∞`` (NaN padding or invalid odds), so the
    caller can take the general path, which validates and groups.
    """
    rows, n = decimal_odds.shape
    out = np.empty((rows, n))
    codes = np.empty(rows, dtype=np.int8)
    for start in range(0, rows, _BLOCK):  # a loop over blocks of thousands of markets, not over markets
        stop = min(start + _BLOCK, rows)
        with np.errstate(divide="ignore"):
            pi = 1.0 / np.ascontiguousarray(decimal_odds[start:stop].T)
        if not bool(((pi > 0.0) & (pi < 1.0)).all()):
            return None
        probs_t, codes[start:stop] = _dense(name, pi, tol, max_iter)
        for j in range(n):  # column by column: a transposed copy with inner length n is slow
            out[start:stop, j] = probs_t[j]
    return out, codes


def _dense(name: str, pi: FloatArray, tol: float, max_iter: int) -> tuple[FloatArray, NDArray[np.int8]]:
    """One method on an outcome-major block ``pi`` of shape ``(n, rows)``, all entries in (0, 1)."""
    n, rows = pi.shape
    codes = np.zeros(rows, dtype=np.int8)
    booksum = pi.sum(axis=0)
    margin = booksum - 1.0
    if name == "multiplicative":
        return pi / booksum, codes
    if name == "additive":
        probs = pi - margin / n
        codes[(probs < 0.0).any(axis=0)] = _NEGATIVE
        return probs, codes
    if name == "shin":
        codes[margin < -tol] = _ARBITRAGE
        if n == 2:
            # Two outcomes: Shin equals additive (z = M(D² − Π)/(Π(D² − 1)), D = π₁ − π₂; Jullien & Salanié).
            return pi - margin / 2.0, codes
        probs, converged = _shin(pi, booksum, codes == _OK, tol, max_iter)
    elif name == "odds_ratio":
        odds = pi / (1.0 - pi)
        if n == 2:
            # odds(p₁)·odds(p₂) = 1 forces c = √(o₁o₂), so p_i = √o_i / (√o₁ + √o₂).
            root = np.sqrt(odds)
            return root / root.sum(axis=0), codes
        probs, converged = _odds_ratio(odds, pi, margin, tol, max_iter)
    elif name == "probit":
        z = ndtri(pi)
        if n == 2:
            # Φ(x₁ − c) + Φ(x₂ − c) = 1 at c = (x₁ + x₂)/2 by the symmetry of Φ, so p₁ = Φ((x₁ − x₂)/2).
            # One Φ per market: the smaller probability directly (full relative precision), the larger
            # as 1 minus it.
            half = 0.5 * (z[0] - z[1])
            smaller = ndtr(-np.abs(half))
            larger = 1.0 - smaller
            return np.stack(
                (np.where(half < 0.0, smaller, larger), np.where(half < 0.0, larger, smaller))
            ), codes
        probs, converged = _probit(z, margin, tol, max_iter)
    elif name == "power":
        probs, converged = _power(pi, booksum, tol, max_iter)
    else:  # pragma: no cover - canonical_method guards this
        raise AssertionError(name)
    codes[~converged & (codes == _OK)] = _NO_CONVERGENCE
    return probs, codes


# For the rows ``idx`` (None = all rows) at parameter θ: g(θ) = Σp_i(θ) − 1 and the Newton step Δ (θ ← θ − Δ).
Evaluate = Callable[[FloatArray, NDArray[np.intp] | None], tuple[FloatArray, FloatArray]]
# The probabilities ``(n, len(θ))`` of the rows ``idx`` (None = all rows) at parameter θ.
Probabilities = Callable[[FloatArray, NDArray[np.intp] | None], FloatArray]


def _newton(
    evaluate: Evaluate,
    start: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    tol: float,
    max_iter: int,
    *,
    bracketed: bool,
    early: float,
    base: NDArray[np.intp] | None = None,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Vectorised Newton for a decreasing ``g`` with a root in ``[lo, hi]`` per row; converged rows drop out.

    ``bracketed=False`` is for convex ``g``: from the left of the root Newton climbs to it monotonically,
    and from the right the first step lands on the left (a tangent lies below a convex curve), so clipping to
    the fixed bracket is all the safeguard needed. ``bracketed=True`` shrinks the bracket with the sign of
    ``g`` at every step and bisects whenever Newton would leave it, so every row converges (at worst like
    bisection).

    A row is done at ``|g| ≤ tol``, at floating-point resolution (θ stops moving / the bracket collapses),
    or, with ``early > 0``, at ``|g| ≤ early`` after one more Newton step, whose result the caller must
    verify (quadratic convergence makes that step land far inside ``tol``; see :func:`_solve`). ``base``
    maps the rows of ``start`` to the rows ``evaluate`` indexes (None: the same).
    """
    theta = np.clip(start, lo, hi)
    result = theta.copy()
    converged = np.zeros(theta.shape, dtype=np.bool_)
    ids: NDArray[np.intp] | None = None  # active rows; None while all are active (no gathering needed)
    for iteration in range(max_iter):
        g, step = evaluate(theta, base if ids is None else (ids if base is None else base[ids]))
        newton = theta - step
        if bracketed:
            above = g > 0.0  # g decreasing: the root lies above θ
            lo = np.where(above, theta, lo)
            hi = np.where(above, hi, theta)
            trusted = (newton > lo) & (newton < hi)  # False for NaN/inf steps
            following = np.where(trusted, newton, 0.5 * (lo + hi))
            stalled = hi - lo <= 4e-16 * np.maximum(np.abs(theta), 1.0) if iteration >= 8 else False
        else:
            following = np.clip(newton, lo, hi)
            trusted = following == newton
            stalled = following == theta
        small = np.abs(g)
        exact = small <= tol
        provisional = (small <= early) & trusted & ~exact
        done = exact | provisional | stalled
        if bool(done.any()):
            target = np.flatnonzero(done) if ids is None else ids[done]
            result[target] = np.where(provisional, following, theta)[done]
            converged[target] = True
            keep = ~done
            if not bool(keep.any()):
                break
            ids = np.flatnonzero(keep) if ids is None else ids[keep]
            theta, lo, hi = following[keep], lo[keep], hi[keep]
        else:
            theta = following
    else:  # max_iter reached: keep the last iterate of the rows still active (ids is their sorted index)
        result[~converged] = theta if ids is not None else theta[~converged]
    return result, converged


def _solve(
    evaluate: Evaluate,
    probabilities: Probabilities,
    start: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    tol: float,
    max_iter: int,
    *,
    bracketed: bool,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Solve every row with :func:`_newton` and return ``(probabilities, converged)``.

    Rows are accepted one Newton step early (at ``|g| ≤ 0.01·√tol``, after which the step lands at about
    ``|g|² ≪ tol``) and verified on the final evaluation of the probabilities, which is needed anyway: this
    saves the evaluation that would only confirm convergence. Rows failing the check are solved again.
    """
    theta, converged = _newton(
        evaluate, start, lo, hi, tol, max_iter, bracketed=bracketed, early=0.01 * math.sqrt(tol)
    )
    probs = probabilities(theta, None)
    recheck = np.flatnonzero(converged & (np.abs(probs.sum(axis=0) - 1.0) > tol))
    if recheck.size:
        again, ok = _newton(
            evaluate,
            theta[recheck],
            lo[recheck],
            hi[recheck],
            tol,
            max_iter,
            bracketed=bracketed,
            early=0.0,
            base=recheck,
        )
        probs[:, recheck] = probabilities(again, recheck)
        converged[recheck] = ok
    return probs, converged


def _columns(values: FloatArray, idx: NDArray[np.intp] | None) -> FloatArray:
    """The rows ``idx`` of an outcome-major block (``np.take`` stays C-contiguous, unlike ``[:, idx]``)."""
    return values if idx is None else np.take(values, idx, axis=1)


def _power(
    pi: FloatArray, booksum: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Power: solve ``S(k) = Σ exp(k ln π_i) = 1`` by Newton on ``h(k) = ln S(k)``.

    ``h`` is convex (log-sum-exp) and decreasing, so Newton converges monotonically, and it is nearly linear
    in ``k``, so few steps are needed: ``Δ = h/h' = S ln S / Σ π_i^k ln π_i``. Bracket from
    ``n·π_min^k ≥ 1`` and ``n·π_max^k ≤ 1``.
    """
    n = pi.shape[0]
    log_pi = np.log(pi)
    log_n = math.log(n)
    lo = -log_n / log_pi.min(axis=0)
    hi = -log_n / log_pi.max(axis=0)
    # Start at Newton's step from k = 1, which needs no exp: h(1) = ln Π, h'(1) = Σ π_i ln π_i / Π.
    start = 1.0 - booksum * np.log(booksum) / (pi * log_pi).sum(axis=0)

    def evaluate(k: FloatArray, idx: NDArray[np.intp] | None) -> tuple[FloatArray, FloatArray]:
        logs = _columns(log_pi, idx)
        p = np.exp(k * logs)
        total = p.sum(axis=0)
        return total - 1.0, total * np.log(total) / (p * logs).sum(axis=0)

    def probabilities(k: FloatArray, idx: NDArray[np.intp] | None) -> FloatArray:
        return np.exp(k * _columns(log_pi, idx))

    return _solve(evaluate, probabilities, start, lo, hi, tol, max_iter, bracketed=False)


def _shin_probs(z: FloatArray, q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Shin's ``p_i(z)`` (``q_i = π_i²/Π``) and its root term ``s_i = √(z² + 4(1 − z)q_i)``."""
    s = np.sqrt(z * z + 4.0 * (1.0 - z) * q)
    return (s - z) / (2.0 * (1.0 - z)), s


def _shin(
    pi: FloatArray, booksum: FloatArray, solvable: NDArray[np.bool_], tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Shin n ≥ 3: solve ``Σ p_i(z) = 1`` for ``z ∈ [0, 1)`` (a root exists iff M ≥ 0: g(0) = √Π − 1,
    g(1⁻) < 0).

    ``dp_i/dz = ((z − 2q_i)/s_i − 1) / (2(1 − z)) + p_i/(1 − z)``. Start at Newton's first step from
    ``z = 0``, ``z₁ = 2(√Π − 1)/(n − √Π)`` (``dp_i/dz(0) = (π_i/√Π − 1)/2``). Arbitrage rows are skipped
    (their probabilities are NaN).
    """
    n = pi.shape[0]
    rows = np.flatnonzero(solvable)
    q = np.take(pi, rows, axis=1) ** 2 / booksum[rows]

    def evaluate(z: FloatArray, idx: NDArray[np.intp] | None) -> tuple[FloatArray, FloatArray]:
        qs = _columns(q, idx)
        p, s = _shin_probs(z, qs)
        inv = 1.0 / (1.0 - z)
        dp = ((z - 2.0 * qs) / s - 1.0) * (0.5 * inv) + p * inv
        g = p.sum(axis=0) - 1.0
        return g, g / dp.sum(axis=0)

    def probabilities(z: FloatArray, idx: NDArray[np.intp] | None) -> FloatArray:
        return _shin_probs(z, _columns(q, idx))[0]

    probs = np.full(pi.shape, np.nan)
    converged = np.ones(pi.shape[1], dtype=np.bool_)
    if rows.size:
        root = np.sqrt(booksum[rows])
        start = np.maximum(2.0 * (root - 1.0) / (n - root), 0.0)
        # Upper end a hair below 1 so that p(z) stays finite while the bracket shrinks.
        lo, hi = np.zeros(rows.size), np.full(rows.size, 1.0 - 1e-15)
        probs[:, rows], converged[rows] = _solve(
            evaluate, probabilities, start, lo, hi, tol, max_iter, bracketed=True
        )
    return probs, converged


def _odds_ratio(
    odds: FloatArray, pi: FloatArray, margin: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Odds ratio: solve ``g(c) = Σ o_i/(c + o_i) − 1 = 0`` (``o_i = π_i/(1 − π_i)``), root in
    ``[(n−1)o_min, (n−1)o_max]``.

    ``g`` is convex and decreasing in ``c``, so Newton from the left of the root climbs to it monotonically.
    Start: Newton's first step from ``c = 1`` (where ``g = M``, ``g' = −Σπ_i(1 − π_i)``), which is left of
    the root when ``M ≥ 0``; arbitrage rows (``M < 0``, root below 1) start at the lower bracket end.
    """
    n = odds.shape[0]
    lo = (n - 1) * odds.min(axis=0)
    hi = (n - 1) * odds.max(axis=0)
    start = np.where(margin >= 0, 1.0 + margin / (pi * (1.0 - pi)).sum(axis=0), lo)

    def evaluate(c: FloatArray, idx: NDArray[np.intp] | None) -> tuple[FloatArray, FloatArray]:
        o = _columns(odds, idx)
        inv = 1.0 / (c + o)
        p = o * inv
        g = p.sum(axis=0) - 1.0
        return g, -g / (p * inv).sum(axis=0)

    def probabilities(c: FloatArray, idx: NDArray[np.intp] | None) -> FloatArray:
        o = _columns(odds, idx)
        return o / (c + o)

    return _solve(evaluate, probabilities, start, lo, hi, tol, max_iter, bracketed=False)


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _probit(
    x: FloatArray, margin: FloatArray, tol: float, max_iter: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Probit: solve ``Σ Φ(x_i − c) = 1`` with ``x_i = Φ⁻¹(π_i)``; root in ``[x_min − t, x_max − t]``,
    ``t = Φ⁻¹(1/n)``. Start at Newton's first step from ``c = 0``: ``c₁ = M / Σ φ(x_i)``.
    """
    t = float(ndtri(1.0 / x.shape[0]))
    lo = x.min(axis=0) - t
    hi = x.max(axis=0) - t
    start = margin / (_INV_SQRT_2PI * np.exp(-0.5 * x * x).sum(axis=0))

    def evaluate(c: FloatArray, idx: NDArray[np.intp] | None) -> tuple[FloatArray, FloatArray]:
        shifted = _columns(x, idx) - c
        g = ndtr(shifted).sum(axis=0) - 1.0
        return g, -g / (_INV_SQRT_2PI * np.exp(-0.5 * shifted * shifted).sum(axis=0))

    def probabilities(c: FloatArray, idx: NDArray[np.intp] | None) -> FloatArray:
        result: FloatArray = ndtr(_columns(x, idx) - c)
        return result

    return _solve(evaluate, probabilities, start, lo, hi, tol, max_iter, bracketed=True)
