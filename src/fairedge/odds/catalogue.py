"""Facts about bookmakers that providers do not tell: which are exchanges and what they charge."""

from __future__ import annotations

# Commission on net winnings, as the exchanges publish their base rates.
EXCHANGE_COMMISSION: dict[str, float] = {
    "betfair_ex_eu": 0.05,
    "betfair_ex_uk": 0.05,
    "betfair_ex_au": 0.05,
    "matchbook": 0.02,
    "smarkets": 0.02,
    "novig_us_ex": 0.0,
    "prophetx": 0.0,
}


def is_exchange(key: str) -> bool:
    return key in EXCHANGE_COMMISSION or "_ex_" in key or key.endswith("_ex")
