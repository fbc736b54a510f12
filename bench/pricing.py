"""Devig throughput: the vectorised ``fairedge.pricing.devig`` against a per-market pure-Python loop.

Run with ``python -m bench.pricing``. 100,000 two-way and 100,000 three-way markets (seeded, margins
2–8 %) are devigged by every method on one core; the baseline devigs one market at a time with the same
algorithm written with the ``math`` module (same closed forms for two-way markets, same safeguarded Newton and
tolerance), timed on a 2,000-market subsample and extrapolated. The largest difference between the two is
printed under the table.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core; must happen before numpy is imported

import math  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from statistics import NormalDist  # noqa: E402

import numpy as np  # noqa: E402

from fairedge.pricing.devig import BASE_METHODS, devig  # noqa: E402
from fairedge.pricing.odds import FloatArray  # noqa: E402

MARKETS = 100_000
SUBSAMPLE = 2_000
TOL = 1e-12
METHODS = (*BASE_METHODS, "worst_case")
Row = list[float]


def make_markets(n_outcomes: int, count: int, seed: int) -> FloatArray:
    """Random books: Dirichlet true probabilities (each ≥ 3 %), a 2–8 % margin spread proportionally."""
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(n_outcomes, 3.0), size=count)
    probs = np.clip(probs, 0.03, None)
    probs /= probs.sum(axis=1, keepdims=True)
    margin = rng.uniform(0.02, 0.08, size=(count, 1))
    return np.maximum(1.0 / (probs * (1.0 + margin)), 1.01)


# ---- the baseline: one market at a time, pure Python -------------------------------------------------------


def _implied(odds: Row) -> Row:
    pi = [1.0 / d for d in odds]
    for p in pi:
        if not 0.0 < p < 1.0:
            raise ValueError("invalid decimal odds")
    return pi


def _newton(f: Callable[[float], tuple[float, float]], x: float, lo: float, hi: float) -> float:
    for _ in range(100):
        g, dg = f(x)
        if abs(g) <= TOL:
            return x
        if g > 0:
            lo = x
        else:
            hi = x
        step = x - g / dg if dg != 0 else math.nan
        x = step if lo < step < hi else 0.5 * (lo + hi)
    raise ArithmeticError("no convergence")


def py_multiplicative(odds: Row) -> Row:
    pi = _implied(odds)
    total = sum(pi)
    return [p / total for p in pi]


def py_additive(odds: Row) -> Row:
    pi = _implied(odds)
    shift = (sum(pi) - 1.0) / len(pi)
    return [p - shift for p in pi]


def py_power(odds: Row) -> Row:
    # Same algorithm as the vectorised code: Newton on ln Σ π^k from Newton's exp-free first step at k = 1.
    pi = _implied(odds)
    logs = [math.log(p) for p in pi]
    log_n = math.log(len(pi))
    total = sum(pi)
    k = 1.0 - total * math.log(total) / sum(p * lg for p, lg in zip(pi, logs, strict=True))
    lo, hi = -log_n / min(logs), -log_n / max(logs)
    k = min(max(k, lo), hi)
    for _ in range(100):
        ps = [math.exp(k * lg) for lg in logs]
        total = sum(ps)
        if abs(total - 1.0) <= TOL:
            return ps
        following = min(
            max(k - total * math.log(total) / sum(p * lg for p, lg in zip(ps, logs, strict=True)), lo), hi
        )
        if following == k:
            return ps
        k = following
    raise ArithmeticError("no convergence")


def py_shin(odds: Row) -> Row:
    if len(odds) == 2:
        return py_additive(odds)  # Shin equals additive for two outcomes
    pi = _implied(odds)
    total = sum(pi)
    qs = [p * p / total for p in pi]

    def f(z: float) -> tuple[float, float]:
        g, dg = -1.0, 0.0
        for q in qs:
            s = math.sqrt(z * z + 4 * (1 - z) * q)
            p = (s - z) / (2 * (1 - z))
            g += p
            dg += ((z - 2 * q) / s - 1) / (2 * (1 - z)) + p / (1 - z)
        return g, dg

    z = _newton(f, 0.0, 0.0, 1.0 - 1e-15)
    return [(math.sqrt(z * z + 4 * (1 - z) * q) - z) / (2 * (1 - z)) for q in qs]


def py_odds_ratio(odds: Row) -> Row:
    pi = _implied(odds)
    os_ = [p / (1 - p) for p in pi]
    if len(os_) == 2:
        roots = [math.sqrt(o) for o in os_]
        return [r / sum(roots) for r in roots]

    def f(c: float) -> tuple[float, float]:
        return sum(o / (c + o) for o in os_) - 1.0, -sum(o / (c + o) ** 2 for o in os_)

    n = len(os_)
    c = _newton(f, 1.0, (n - 1) * min(os_), (n - 1) * max(os_))
    return [o / (c + o) for o in os_]


def _inv_cdf(p: float) -> float:
    """Φ⁻¹ by Wichura's AS241 (1988), as in the pure-Python fallback of CPython's ``statistics`` module."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (
            (
                (
                    (
                        (
                            (
                                (2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                                + 6.7265770927008700853e4
                            )
                            * r
                            + 4.5921953931549871457e4
                        )
                        * r
                        + 1.3731693765509461125e4
                    )
                    * r
                    + 1.9715909503065514427e3
                )
                * r
                + 1.3314166789178437745e2
            )
            * r
            + 3.3871328727963666080e0
        ) * q
        den = (
            (
                (
                    (
                        (
                            (5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                            + 3.9307895800092710610e4
                        )
                        * r
                        + 2.1213794301586595867e4
                    )
                    * r
                    + 5.3941960214247511077e3
                )
                * r
                + 6.8718700749205790830e2
            )
            * r
            + 4.2313330701600911252e1
        ) * r + 1.0
        return num / den
    r = math.sqrt(-math.log(p if q <= 0.0 else 1.0 - p))
    if r <= 5.0:
        r -= 1.6
        num = (
            (
                (
                    (
                        (
                            (7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                            + 2.41780725177450611770e-1
                        )
                        * r
                        + 1.27045825245236838258e0
                    )
                    * r
                    + 3.64784832476320460504e0
                )
                * r
                + 5.76949722146069140550e0
            )
            * r
            + 4.63033784615654529590e0
        ) * r + 1.42343711074968357734e0
        den = (
            (
                (
                    (
                        (
                            (1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                            + 1.51986665636164571966e-2
                        )
                        * r
                        + 1.48103976427480074590e-1
                    )
                    * r
                    + 6.89767334985100004550e-1
                )
                * r
                + 1.67638483018380384940e0
            )
            * r
            + 2.05319162663775882187e0
        ) * r + 1.0
    else:
        r -= 5.0
        num = (
            (
                (
                    (
                        (
                            (2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                            + 1.24266094738807843860e-3
                        )
                        * r
                        + 2.65321895265761230930e-2
                    )
                    * r
                    + 2.96560571828504891230e-1
                )
                * r
                + 1.78482653991729133580e0
            )
            * r
            + 5.46378491116411436990e0
        ) * r + 6.65790464350110377720e0
        den = (
            (
                (
                    (
                        (
                            (2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                            + 1.84631831751005468180e-5
                        )
                        * r
                        + 7.86869131145613259100e-4
                    )
                    * r
                    + 1.48753612908506148525e-2
                )
                * r
                + 1.36929880922735805310e-1
            )
            * r
            + 5.99832206555887937690e-1
        ) * r + 1.0
    x = num / den
    return -x if q < 0.0 else x


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x * _SQRT_HALF)


def _probit_with(inv_cdf: Callable[[float], float], cdf: Callable[[float], float], odds: Row) -> Row:
    pi = _implied(odds)
    xs = [inv_cdf(p) for p in pi]
    if len(xs) == 2:
        c = (xs[0] + xs[1]) / 2
        return [cdf(x - c) for x in xs]

    def f(c: float) -> tuple[float, float]:
        return sum(cdf(x - c) for x in xs) - 1.0, -sum(
            _INV_SQRT_2PI * math.exp(-0.5 * (x - c) ** 2) for x in xs
        )

    t = inv_cdf(1 / len(xs))
    c = _newton(f, 0.0, min(xs) - t, max(xs) - t)
    return [cdf(x - c) for x in xs]


def py_probit(odds: Row) -> Row:
    return _probit_with(_inv_cdf, _cdf, odds)


_NORMAL = NormalDist()


def py_probit_statistics(odds: Row) -> Row:
    """Probit with ``statistics.NormalDist``, whose ``inv_cdf`` is C code in CPython ≥ 3.10 (footnote row)."""
    return _probit_with(_NORMAL.inv_cdf, _NORMAL.cdf, odds)


def py_worst_case(odds: Row) -> Row:
    results = [f(odds) for f in (py_multiplicative, py_additive, py_power, py_shin, py_odds_ratio, py_probit)]
    return [min(column) for column in zip(*results, strict=True)]


BASELINES: dict[str, Callable[[Row], Row]] = {
    "multiplicative": py_multiplicative,
    "additive": py_additive,
    "power": py_power,
    "shin": py_shin,
    "odds_ratio": py_odds_ratio,
    "probit": py_probit,
    "worst_case": py_worst_case,
}


# ---- timing ------------------------------------------------------------------------------------------------


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(method: str, odds: FloatArray, baseline: Callable[[Row], Row]) -> tuple[float, float, float]:
    """(vectorised markets/s, loop markets/s, max |difference| on the subsample)."""
    sample = odds[:SUBSAMPLE]
    rows = sample.tolist()
    vector_seconds = loop_seconds = math.inf
    # Alternate the two and keep the best of each, so a burst of load elsewhere on the machine cannot land on
    # one side of the ratio only.
    for _ in range(3):
        vector_seconds = min(vector_seconds, _best_of(2, lambda: devig(odds, method)))
        loop_seconds = min(loop_seconds, _best_of(1, lambda: [baseline(row) for row in rows]))
    difference = float(np.max(np.abs(np.array([baseline(row) for row in rows]) - devig(sample, method))))
    return odds.shape[0] / vector_seconds, len(rows) / loop_seconds, difference


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(w) if c else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    boards = {n: make_markets(n, MARKETS, seed=n) for n in (2, 3)}
    devig(boards[2][:1000], "shin")  # warm-up: imports, caches
    rows = []
    worst = 0.0
    cases = [(method, method, BASELINES[method]) for method in METHODS]
    cases.append(("probit (loop: NormalDist)", "probit", py_probit_statistics))
    for label, method, baseline in cases:
        cells = [label]
        for odds in boards.values():
            vector, loop, difference = measure(method, odds, baseline)
            worst = max(worst, difference)
            cells += [f"{vector / 1e6:.2f}M", f"{loop / 1e3:.1f}k", f"{vector / loop:.0f}x"]
        rows.append(cells)
    header = ["method", "2-way/s", "loop/s", "speed-up", "3-way/s", "loop/s", "speed-up"]
    print(
        f"devig throughput, markets per second on one core ({MARKETS:,} markets per width; "
        f"loop timed on {SUBSAMPLE:,} and extrapolated)"
    )
    print(_table(header, rows))
    print(f"max |vectorised − loop| over all methods: {worst:.1e}")


if __name__ == "__main__":
    main()
