"""Pure, vectorised betting maths: odds formats, devigging, EV, Kelly, arbitrage, middles and fair lines.

float64 arrays in, arrays out; no I/O and no loop per market. Imports stdlib, numpy and ``scipy.special``
(``ndtr``/``ndtri`` for the probit method) only. Formulas and sources are in each function's docstring and in
``shared/reference/devig-methods.md``.
"""

from fairedge.pricing.arbitrage import ArbitrageStakes, arbitrage_margin, arbitrage_stakes, best_prices
from fairedge.pricing.devig import (
    ALIASES,
    BASE_METHODS,
    METHODS,
    ConvergenceError,
    DevigError,
    canonical_method,
    devig,
)
from fairedge.pricing.ev import ev, fair_odds, hold
from fairedge.pricing.fair import SOURCE_CONSENSUS, SOURCE_NONE, SOURCE_SHARP, FairLine, fair_line
from fairedge.pricing.kelly import kelly
from fairedge.pricing.middles import MiddleOutcome, MiddleWindow, middle_outcome, middle_window
from fairedge.pricing.odds import (
    american_from_decimal,
    decimal_from_american,
    decimal_from_fractional,
    decimal_from_hong_kong,
    decimal_from_implied,
    format_american,
    fractional_from_decimal,
    hong_kong_from_decimal,
    implied_from_decimal,
    net_of_commission,
    parse_odds,
    validate_decimal,
)

__all__ = [
    "ALIASES",
    "BASE_METHODS",
    "METHODS",
    "SOURCE_CONSENSUS",
    "SOURCE_NONE",
    "SOURCE_SHARP",
    "ArbitrageStakes",
    "ConvergenceError",
    "DevigError",
    "FairLine",
    "MiddleOutcome",
    "MiddleWindow",
    "american_from_decimal",
    "arbitrage_margin",
    "arbitrage_stakes",
    "best_prices",
    "canonical_method",
    "decimal_from_american",
    "decimal_from_fractional",
    "decimal_from_hong_kong",
    "decimal_from_implied",
    "devig",
    "ev",
    "fair_line",
    "fair_odds",
    "format_american",
    "fractional_from_decimal",
    "hold",
    "hong_kong_from_decimal",
    "implied_from_decimal",
    "kelly",
    "middle_outcome",
    "middle_window",
    "net_of_commission",
    "parse_odds",
    "validate_decimal",
]
