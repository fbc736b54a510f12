"""The Odds API v4 JSON → FairEdge provider data objects (pure: no I/O, no clock, no HTTP).

Accepts the ``/sports/{sport}/odds`` list, a single event object (``/events/{id}/odds``) and the historical
wrapper ``{"timestamp", "previous_timestamp", "next_timestamp", "data": [...]}``. Shared by the replay
provider and the HTTP provider.

What is normalised here and what is not:

- Event structure is checked: an event without ``id``, ``home_team``, ``away_team`` or a readable
  ``commence_time`` (or a bookmaker/market/outcome that is not an object) raises :class:`ProviderFormatError`
  naming the event index.
- Quotes are *not* validated (odds ≤ 1, duplicate or missing outcomes, mismatched points): ``ingestion``
  does that and rejects quote by quote. Prices pass through as floats; a price that is not a number becomes
  NaN, American odds are converted to decimal (``1 + a/100`` or ``1 + 100/|a|``, NaN when ``|a| < 100``).
- A market key with a period suffix (``h2h_h1``, ``totals_q1``, ``spreads_p1``, ``h2h_1st_5_innings``)
  becomes ``MarketQuote(key="h2h", period="h1")``; other keys (``player_points``, ``h2h_lay``,
  ``alternate_spreads``) are kept as they are, outcomes keep ``description`` (the player of a prop).
- Status: ``completed: true`` → ``"completed"`` (scores from a ``scores`` list when present); otherwise a
  ``commence_time`` at or before ``fetched_at`` → ``"live"``; else ``"upcoming"``.
- Times: ISO 8601 (``Z`` or an offset; naive means UTC) or unix seconds (``dateFormat=unix``); always
  returned as aware UTC datetimes. An unreadable ``last_update`` becomes ``None`` (ingestion falls back to
  the snapshot time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from fairedge.odds.providers.base import (
    BookmakerInfo,
    BookmakerQuote,
    EventOdds,
    MarketQuote,
    Outcome,
    Snapshot,
    SportInfo,
)

OddsFormat = Literal["decimal", "american"]

__all__ = [
    "OddsFormat",
    "ProviderFormatError",
    "american_to_decimal",
    "bookmakers_of",
    "newest_last_update",
    "parse_datetime",
    "parse_events",
    "parse_snapshot",
    "split_period",
    "sport_group",
    "sports_of",
]


class ProviderFormatError(ValueError):
    """A payload that cannot be read; ``index``: the offending event, ``source``: the file or URL."""

    def __init__(self, message: str, *, index: int | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.source = source


# Period suffixes The Odds API appends to market keys (h2h_q1, totals_h1, spreads_p2, h2h_1st_5_innings).
_PERIOD_RE = re.compile(r"^(?P<key>.+?)_(?P<period>h[12]|q[1-4]|p[1-3]|1st_\d+_innings)$")

# Sport key prefix → The Odds API ``group``.
_GROUPS: dict[str, str] = {
    "americanfootball": "American Football",
    "aussierules": "Aussie Rules",
    "baseball": "Baseball",
    "basketball": "Basketball",
    "boxing": "Boxing",
    "cricket": "Cricket",
    "golf": "Golf",
    "handball": "Handball",
    "icehockey": "Ice Hockey",
    "lacrosse": "Lacrosse",
    "mma": "Mixed Martial Arts",
    "politics": "Politics",
    "rugbyleague": "Rugby League",
    "rugbyunion": "Rugby Union",
    "soccer": "Soccer",
    "tennis": "Tennis",
}


def split_period(market_key: str) -> tuple[str, str]:
    """``"totals_q1"`` → ``("totals", "q1")``; a key without a period suffix → ``(key, "full")``."""
    match = _PERIOD_RE.match(market_key)
    if match is None:
        return market_key, "full"
    return match.group("key"), match.group("period")


def sport_group(sport_key: str) -> str:
    """The Odds API group of a sport key from its prefix: ``basketball_nba`` → ``"Basketball"``."""
    prefix = sport_key.split("_", 1)[0]
    return _GROUPS.get(prefix, prefix.replace("-", " ").title())


def american_to_decimal(american: float) -> float:
    """American odds → decimal odds: +150 → 2.5, −200 → 1.5; NaN when ``|american| < 100`` or not finite."""
    if not math.isfinite(american) or abs(american) < 100:
        return math.nan
    if american > 0:
        return 1.0 + american / 100.0
    return 1.0 + 100.0 / -american


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601 string or unix seconds → aware UTC datetime; ``None`` when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


def _number(value: object) -> float:
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return math.nan
    return math.nan


def _price(value: object, odds_format: OddsFormat) -> float:
    number = _number(value)
    if odds_format == "american":
        return american_to_decimal(number)
    return number


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _as_mapping(value: object, what: str, index: int) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProviderFormatError(f"event {index}: {what} is not an object", index=index)
    return value


def _as_list(value: object, what: str, index: int) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ProviderFormatError(f"event {index}: {what} is not a list", index=index)
    return value


def _outcome(raw: object, odds_format: OddsFormat, where: str, index: int) -> Outcome:
    data = _as_mapping(raw, where, index)
    name = data.get("name")
    if not isinstance(name, str):
        raise ProviderFormatError(f"event {index}: {where} has no name", index=index)
    point_raw = data.get("point")
    point = None if point_raw is None else _number(point_raw)
    description = data.get("description")
    return Outcome(
        name=name,
        price=_price(data.get("price"), odds_format),
        point=point,
        description=description if isinstance(description, str) else None,
    )


def _market(raw: object, odds_format: OddsFormat, where: str, index: int) -> MarketQuote:
    data = _as_mapping(raw, where, index)
    key = _text(data.get("key"))
    if key is None:
        raise ProviderFormatError(f"event {index}: {where} has no key", index=index)
    base_key, period = split_period(key)
    outcomes = tuple(
        _outcome(o, odds_format, f"{where} ({key}) outcome {j}", index)
        for j, o in enumerate(_as_list(data.get("outcomes"), f"{where} outcomes", index))
    )
    return MarketQuote(
        key=base_key, outcomes=outcomes, last_update=parse_datetime(data.get("last_update")), period=period
    )


def _bookmaker(raw: object, odds_format: OddsFormat, where: str, index: int) -> BookmakerQuote:
    data = _as_mapping(raw, where, index)
    key = _text(data.get("key"))
    if key is None:
        raise ProviderFormatError(f"event {index}: {where} has no key", index=index)
    title = _text(data.get("title")) or key
    markets = tuple(
        _market(m, odds_format, f"{where} ({key}) market {j}", index)
        for j, m in enumerate(_as_list(data.get("markets"), f"{where} markets", index))
    )
    return BookmakerQuote(
        key=key, title=title, markets=markets, last_update=parse_datetime(data.get("last_update"))
    )


def _scores(data: Mapping[str, Any], home: str, away: str) -> tuple[int | None, int | None]:
    raw = data.get("scores")
    if not isinstance(raw, list):
        return None, None
    found: dict[str, int | None] = {}
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            value = _number(item.get("score"))
            found[item["name"]] = int(value) if math.isfinite(value) else None
    return found.get(home), found.get(away)


def _event(raw: object, index: int, odds_format: OddsFormat, fetched_at: datetime | None) -> EventOdds:
    data = _as_mapping(raw, "event", index)
    missing = [name for name in ("id", "home_team", "away_team") if _text(data.get(name)) is None]
    if "commence_time" not in data or data.get("commence_time") is None:
        missing.append("commence_time")
    if missing:
        raise ProviderFormatError(f"event {index}: missing {', '.join(missing)}", index=index)
    commence = parse_datetime(data["commence_time"])
    if commence is None:
        raise ProviderFormatError(
            f"event {index}: unreadable commence_time {data['commence_time']!r}", index=index
        )
    sport_key = _text(data.get("sport_key")) or ""
    home, away = str(data["home_team"]), str(data["away_team"])
    bookmakers = tuple(
        _bookmaker(b, odds_format, f"bookmaker {j}", index)
        for j, b in enumerate(_as_list(data.get("bookmakers"), "bookmakers", index))
    )
    home_score, away_score = _scores(data, home, away)
    if data.get("completed") is True:
        status = "completed"
    elif fetched_at is not None and commence <= fetched_at:
        status = "live"
    else:
        status = "upcoming"
    return EventOdds(
        id=str(data["id"]),
        sport_key=sport_key,
        sport_title=_text(data.get("sport_title")) or sport_key,
        commence_time=commence,
        home_team=home,
        away_team=away,
        bookmakers=bookmakers,
        status=status,
        home_score=home_score,
        away_score=away_score,
    )


def parse_events(
    payload: Sequence[Mapping[str, Any]] | Sequence[object],
    *,
    odds_format: OddsFormat = "decimal",
    fetched_at: datetime | None = None,
) -> tuple[EventOdds, ...]:
    """Convert a v4 ``/odds`` list into events; ``fetched_at`` decides upcoming vs live (None: never live)."""
    if odds_format not in ("decimal", "american"):
        raise ValueError(f"odds_format must be 'decimal' or 'american', not {odds_format!r}")
    if not isinstance(payload, list | tuple):
        raise ProviderFormatError(f"expected a list of events, got {type(payload).__name__}")
    return tuple(_event(raw, i, odds_format, fetched_at) for i, raw in enumerate(payload))


def _unwrap(payload: object) -> tuple[Sequence[object], datetime | None]:
    """The event list and the historical wrapper's timestamp (None for a plain list)."""
    if isinstance(payload, list | tuple):
        return payload, None
    if isinstance(payload, Mapping):
        if "data" in payload:
            data = payload["data"]
            timestamp = payload.get("timestamp")
            stamp = parse_datetime(timestamp) if timestamp is not None else None
            if timestamp is not None and stamp is None:
                raise ProviderFormatError(f"unreadable historical timestamp {timestamp!r}")
            if isinstance(data, Mapping):  # historical single-event odds
                return [data], stamp
            if isinstance(data, list):
                return data, stamp
            raise ProviderFormatError("historical wrapper: 'data' is not a list of events")
        if "id" in payload:  # /events/{eventId}/odds answers one event object
            return [payload], None
    raise ProviderFormatError(
        f"expected a list of events or a historical wrapper, got {type(payload).__name__}"
    )


def newest_last_update(payload: object) -> datetime | None:
    """The newest bookmaker or market ``last_update`` anywhere in a payload (list or wrapper), else None."""
    try:
        events, _ = _unwrap(payload)
    except ProviderFormatError:
        return None
    newest: datetime | None = None
    for event in events:
        if not isinstance(event, Mapping) or not isinstance(event.get("bookmakers"), list):
            continue
        for book in event["bookmakers"]:
            if not isinstance(book, Mapping):
                continue
            stamps = [book.get("last_update")]
            if isinstance(book.get("markets"), list):
                stamps.extend(m.get("last_update") for m in book["markets"] if isinstance(m, Mapping))
            for raw in stamps:
                stamp = parse_datetime(raw) if raw is not None else None
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
    return newest


def sports_of(events: Iterable[EventOdds]) -> tuple[SportInfo, ...]:
    """The catalogue entries for the sports seen in ``events`` (first appearance order)."""
    seen: dict[str, SportInfo] = {}
    for event in events:
        if event.sport_key and event.sport_key not in seen:
            seen[event.sport_key] = SportInfo(
                key=event.sport_key,
                group=sport_group(event.sport_key),
                title=event.sport_title,
                has_outrights=event.sport_key.endswith("_winner"),
            )
    return tuple(seen.values())


def bookmakers_of(events: Iterable[EventOdds]) -> tuple[BookmakerInfo, ...]:
    """The catalogue entries for the bookmakers seen in ``events``; ``/odds`` does not say the region."""
    seen: dict[str, BookmakerInfo] = {}
    for event in events:
        for book in event.bookmakers:
            if book.key not in seen:
                seen[book.key] = BookmakerInfo(key=book.key, title=book.title, region=None)
    return tuple(seen.values())


def parse_snapshot(
    payload: object,
    fetched_at: datetime | None = None,
    *,
    odds_format: OddsFormat = "decimal",
    source: str = "",
    quota_remaining: int | None = None,
) -> Snapshot:
    """A list of events or a historical wrapper → :class:`Snapshot`.

    ``fetched_at`` is the wrapper's ``timestamp`` when present, else the argument; without either it is
    the newest ``last_update`` in the payload, and a payload without any time raises ProviderFormatError.
    """
    events_raw, stamp = _unwrap(payload)
    when = stamp or fetched_at or newest_last_update(payload)
    if when is None:
        raise ProviderFormatError("no fetch time: pass fetched_at for a payload without a timestamp")
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    events = parse_events(events_raw, odds_format=odds_format, fetched_at=when)
    return Snapshot(
        fetched_at=when,
        events=events,
        sports=sports_of(events),
        bookmakers=bookmakers_of(events),
        quota_remaining=quota_remaining,
        source=source,
    )
