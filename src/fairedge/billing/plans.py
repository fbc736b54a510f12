"""The plans, in one place: what each one shows, how late, how much, and how often it may ask.

A plan is read by every channel that serves opportunities (the API list now; the stream and alerts later),
by the rate limiter (through the access dependency) and by ``GET /api/me``. Rate limits come from settings
(``RATE_LIMIT_FREE``…) so an operator tunes them without a release; what a plan shows is product, here.

``local`` is not sold: it is what a single user gets on a laptop without logging in (``ANONYMOUS_PLAN``,
development default), every feature and no limit. Staff (analyst, admin) see at least ``elite``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairedge.config import Settings
from fairedge.errors import InvalidInput

ALL_KINDS = frozenset({"ev", "arbitrage", "middle"})
SOLD_PLANS = ("free", "pro", "elite")  # what an operator may grant and Stripe may sell, lowest first
STAFF_ROLES = frozenset({"analyst", "admin"})


@dataclass(frozen=True)
class Plan:
    name: str
    rank: int  # higher is more: the effective plan is the higher of a manual grant and a subscription
    title: str
    kinds: frozenset[str]  # opportunity kinds shown
    markets: frozenset[str] | None  # market keys shown; None: every market
    sports: frozenset[str] | None  # sport groups shown (basketball, soccer…); None: every sport
    delay_seconds: float  # an opportunity is shown once it has been on the board this long
    max_results: int | None  # at most this many opportunities per list, whatever the page asks
    api_keys: int  # API keys a user of this plan may hold (0: none)
    rate_limit: str | None  # `limits` notation, per user, API key or IP; None: unlimited

    @property
    def withholds(self) -> bool:
        """Whether an answer under this plan can hide anything (if not, its lists' ``hidden`` is empty)."""
        return (
            self.kinds != ALL_KINDS
            or self.markets is not None
            or self.sports is not None
            or self.delay_seconds > 0
            or self.max_results is not None
        )


def _limit(value: str) -> str | None:
    return None if value.strip().lower() == "none" else value.strip()


def plans(settings: Settings) -> dict[str, Plan]:
    return {
        "free": Plan(
            name="free",
            rank=0,
            title="Free",
            kinds=frozenset({"ev"}),
            markets=frozenset({"h2h"}),
            sports=None,
            delay_seconds=300.0,
            max_results=20,
            api_keys=0,
            rate_limit=_limit(settings.RATE_LIMIT_FREE),
        ),
        "pro": Plan(
            name="pro",
            rank=1,
            title="Pro",
            kinds=frozenset({"ev", "arbitrage"}),
            markets=None,
            sports=None,
            delay_seconds=0.0,
            max_results=None,
            api_keys=5,
            rate_limit=_limit(settings.RATE_LIMIT_PRO),
        ),
        "elite": Plan(
            name="elite",
            rank=2,
            title="Elite",
            kinds=ALL_KINDS,
            markets=None,
            sports=None,
            delay_seconds=0.0,
            max_results=None,
            api_keys=20,
            rate_limit=_limit(settings.RATE_LIMIT_ELITE),
        ),
        "local": Plan(
            name="local",
            rank=3,
            title="Local (no account)",
            kinds=ALL_KINDS,
            markets=None,
            sports=None,
            delay_seconds=0.0,
            max_results=None,
            api_keys=0,
            rate_limit=None,
        ),
    }


def plan_named(name: str, settings: Settings) -> Plan:
    known = plans(settings)
    if name not in known:
        raise InvalidInput(
            f"unknown plan {name!r}",
            details=[{"parameter": "plan", "allowed": list(known)}],
        )
    return known[name]


def sold_plan(name: str, settings: Settings) -> Plan:
    """A plan an operator may grant by hand (free, pro, elite; never ``local``)."""
    if name not in SOLD_PLANS:
        raise InvalidInput(
            f"unknown plan {name!r}", details=[{"parameter": "plan", "allowed": list(SOLD_PLANS)}]
        )
    return plans(settings)[name]


def effective_plan(settings: Settings, *, role: str, granted: str | None, subscribed: str | None) -> Plan:
    """The higher of a manual grant and a subscription (free when neither); staff see at least elite.

    Computed from both every time, so a billing event that ends a subscription never cancels a grant.
    """
    known = plans(settings)
    candidates = [known["free"]]
    candidates += [known[name] for name in (granted, subscribed) if name in SOLD_PLANS]
    if role in STAFF_ROLES:
        candidates.append(known["elite"])
    return max(candidates, key=lambda plan: plan.rank)
