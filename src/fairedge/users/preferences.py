"""Each user's preferences for the web app, kept on the server (``auth.users.preferences``, JSON).

Only what the user set is stored; what they never set is served as the default. ``PATCH`` is partial: a
field left out keeps its value, a field sent as ``null`` goes back to its default, and ``default_filters``
is merged key by key the same way. The default filters take the opportunity list's own parameter names and
bounds (``GET /api/opportunities``), so the web app can put them in the URL as they are.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from fairedge.api_schemas import DevigMethod, Name
from fairedge.errors import NotFound
from fairedge.users import repository
from fairedge.users.models import User

# Numbers are strict: JSON true is not 1 (schemathesis ST201).
OddsFormat = Literal["american", "decimal"]
Theme = Literal["system", "light", "dark"]
Bankroll = Annotated[
    float, Field(strict=True, gt=0, le=1e12, description="Bankroll in the user's currency, > 0.")
]
KellyMultiplier = Annotated[
    float,
    Field(strict=True, gt=0, le=1, description="Multiplier of full Kelly (0.25 = quarter Kelly), in (0, 1]."),
]
MinEv = Annotated[
    float, Field(strict=True, ge=-1, le=100, description="Minimum EV as a fraction (0.02 = 2%).")
]
MaxAge = Annotated[
    float, Field(strict=True, ge=0, le=86_400 * 30, description="Quotes confirmed at most this long ago.")
]
Books = Annotated[list[Name], Field(max_length=100, description="Bookmaker keys shown; empty: every book.")]

DEFAULTS: dict[str, Any] = {"kelly_multiplier": 0.25, "odds_format": "american", "theme": "system"}


class DefaultFilters(BaseModel):
    """The opportunity list's filters the web app opens with (its query parameters' names and bounds)."""

    model_config = ConfigDict(extra="forbid")

    sport: Name | None = Field(None, description="Sport group, e.g. basketball.")
    league: Name | None = Field(None, description="Sport key (basketball_nba) or title.")
    market: Name | None = Field(None, description="Market key: h2h, spreads, totals…")
    books: Books = Field(default_factory=list)
    min_ev: MinEv | None = None
    max_age_seconds: MaxAge | None = None
    devig_method: DevigMethod | None = None


class Preferences(BaseModel):
    bankroll: float | None = Field(description="null: not set (Kelly stakes are shown as a fraction).")
    kelly_multiplier: float = Field(description="Multiplier of full Kelly (0.25 = quarter Kelly).")
    odds_format: OddsFormat
    theme: Theme
    default_filters: DefaultFilters


class DefaultFiltersPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sport: Name | None = None
    league: Name | None = None
    market: Name | None = None
    books: Books | None = None
    min_ev: MinEv | None = None
    max_age_seconds: MaxAge | None = None
    devig_method: DevigMethod | None = None


class PreferencesPatch(BaseModel):
    """Only the fields sent change; ``null`` puts one back to its default (``default_filters``: per key)."""

    model_config = ConfigDict(extra="forbid")

    bankroll: Bankroll | None = None
    kelly_multiplier: KellyMultiplier | None = None
    odds_format: OddsFormat | None = None
    theme: Theme | None = None
    default_filters: DefaultFiltersPatch | None = None


def preferences_of(user: User) -> Preferences:
    """The user's preferences, defaults filled in."""
    stored = dict(user.preferences or {})
    filters = DefaultFilters.model_validate(stored.pop("default_filters", None) or {})
    return Preferences.model_validate({**DEFAULTS, "bankroll": None, **stored, "default_filters": filters})


def _merged(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(stored)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def update_preferences(session: Session, user_id: int, patch: PreferencesPatch) -> Preferences:
    """Apply ``patch`` to the user's stored preferences (flushed; the request commits)."""
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound("no such user")
    stored = dict(user.preferences or {})
    changes = patch.model_dump(mode="json", exclude_unset=True)
    filter_changes = changes.pop("default_filters", None)
    merged = _merged(stored, changes)
    if "default_filters" in patch.model_fields_set:
        old = stored.get("default_filters") or {}
        filters = {} if filter_changes is None else _merged(old, filter_changes)
        merged.pop("default_filters", None)
        if filters:
            merged["default_filters"] = filters
    user.preferences = merged or None  # a new object: the JSON column sees the change
    session.flush()
    return preferences_of(user)
