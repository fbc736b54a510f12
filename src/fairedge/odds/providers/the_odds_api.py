"""The production odds provider: The Odds API v4 over HTTP (``/sports``, ``/sports/{sport}/odds``, scores).

One :meth:`TheOddsApiProvider.fetch` is one refresh:

1. **Sports.** The configured ``sports``; when none are configured, the active sports without outrights from
   the free ``GET /sports``, cached for ``sports_ttl_seconds`` (a failed refresh of that list reuses the
   stale one when there is one).
2. **Odds.** ``GET /sports/{sport}/odds`` per sport with ``markets``, ``oddsFormat=decimal``,
   ``dateFormat=iso`` and either ``regions`` or, when ``bookmakers`` are configured, ``bookmakers`` (listed
   bookmakers replace regions; up to 10 cost one region). The JSON goes through
   :func:`~fairedge.odds.providers.odds_api_format.parse_events`.
3. **Scores** (``include_scores``). ``GET /sports/{sport}/scores?daysFrom=1`` (2 credits) only for a sport
   with events that have commenced: live in this answer, or seen live by an earlier fetch and not yet seen
   completed (a finished game drops out of ``/odds``, so its sighting is remembered in memory; after a
   restart only games still live are followed). At most once per ``scores_interval_seconds`` per sport.
   Completed games become events with ``status="completed"``, integer scores and no bookmakers (ingestion
   then closes their lines); live games in the odds get their current score. A failing ``/scores`` call is
   logged and skipped (the odds are still returned) unless the error is terminal (bad key, no credits).
4. **Snapshot.** All sports in one :class:`~fairedge.odds.providers.base.Snapshot`: ``fetched_at`` from
   ``clock()`` at the start of the fetch, the ``/sports`` catalogue when it was fetched (else the sports
   seen in the events), the bookmakers seen, ``quota_remaining`` from the last response's
   ``x-requests-remaining`` header, ``source="the_odds_api"``.

Errors branch on the body's ``error_code``, not on the status (the status is only the fallback for a body
without a code). Every exception derives from :class:`OddsApiError` and names the error code and the sport:

- ``MISSING_KEY``, ``INVALID_KEY``, ``DEACTIVATED_KEY`` (or a 401/403 without a code) →
  :class:`OddsApiAuthError`, never retried; the provider then refuses every further fetch without an HTTP
  call (rebuild it with a new key).
- ``OUT_OF_USAGE_CREDITS`` → :class:`OddsApiQuotaExhausted`, not retried; fetches raise it without an HTTP
  call for ``quota_backoff_seconds`` (``retry_at`` on the exception).
- ``EXCEEDED_FREQ_LIMIT`` (429), 5xx, timeouts, connection errors, invalid JSON → retried up to
  ``max_attempts`` with exponential backoff and full jitter (at least ``Retry-After`` when sent), then
  :class:`OddsApiUnavailable`.
- 422 bad parameters (``INVALID_MARKET``, ``INVALID_SPORT``, …), ``HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN``
  and any other 4xx → :class:`OddsApiRequestError`, not retried, raised at once: a bug or a bad
  configuration must fail loudly.
- 404 ``UNKNOWN_SPORT``, ``EVENT_NOT_FOUND`` → :class:`OddsApiNotFound`; ``fetch`` skips that sport (logged)
  and goes on with the others.

**Partial failure.** When a sport stays unavailable after its retries (or answers a body that is not a list
of events) the other sports are still fetched. If at least one sport's ``/odds`` succeeded, the partial
snapshot is returned and each failed sport is logged as ``odds_api_error`` (level error,
``action="partial_snapshot"``): ingestion only touches events present in the snapshot, so the failed sport's
stored odds stay as they are and simply age. If no sport succeeded, :class:`OddsApiUnavailable` is raised so
the job records a failure. Terminal errors (auth, quota, bad request) always raise, whatever succeeded
before.

**The API key** travels only in the ``apiKey`` query parameter, added by an ``httpx.Auth`` hook at send
time: it is never in this module's URLs, logs (paths are logged without a query string), exception messages
(server text is redacted; transport errors are raised ``from None`` so the ``httpx`` request, whose URL holds
the key, is not chained) or reprs. ``httpx`` itself logs full URLs at INFO on the ``httpx`` logger: keep that
logger at WARNING (``observability.logging.configure_logging`` does).

Log events (the operations guide greps for them): ``odds_api_request`` (debug: sport, status, cost from
``x-requests-last``, remaining) and ``odds_api_error`` (warning when retried or skipped, error when raised:
provider, status, error_code, attempt, sport, action).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import structlog

from fairedge.odds.providers.base import EventOdds, Snapshot, SportInfo
from fairedge.odds.providers.odds_api_format import (
    ProviderFormatError,
    bookmakers_of,
    parse_events,
    sport_group,
    sports_of,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "OddsApiAuthError",
    "OddsApiError",
    "OddsApiNotFound",
    "OddsApiQuotaExhausted",
    "OddsApiRequestError",
    "OddsApiUnavailable",
    "TheOddsApiProvider",
]

DEFAULT_BASE_URL = "https://api.the-odds-api.com/v4"
PROVIDER = "the_odds_api"
MASK = "***"

AUTH_CODES = frozenset({"MISSING_KEY", "INVALID_KEY", "DEACTIVATED_KEY"})
QUOTA_CODES = frozenset({"OUT_OF_USAGE_CREDITS"})
RATE_LIMIT_CODES = frozenset({"EXCEEDED_FREQ_LIMIT"})
NOT_FOUND_CODES = frozenset({"UNKNOWN_SPORT", "EVENT_NOT_FOUND"})
PLAN_CODES = frozenset({"HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN"})

SCORES_DAYS_FROM = 1

log = structlog.get_logger(__name__)

_E = TypeVar("_E", bound="OddsApiError")


# --------------------------------------------------------------------------------------------------- errors


class OddsApiError(Exception):
    """Base of every The Odds API failure; the message names the error code and the sport, never the key."""

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        status: int | None = None,
        sport: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status
        self.sport = sport


class OddsApiAuthError(OddsApiError):
    """The key is missing, invalid or deactivated: terminal, the provider refuses further calls."""


class OddsApiQuotaExhausted(OddsApiError):
    """The monthly credits are used up: no calls until ``retry_at``."""

    def __init__(self, message: str, *, retry_at: datetime, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = retry_at


class OddsApiUnavailable(OddsApiError):
    """Provider trouble (5xx, timeouts, connection errors, rate limit, bad JSON) that outlasted retries."""


class OddsApiRequestError(OddsApiError):
    """Bad parameters or a call the plan does not allow: a bug or bad configuration, never retried."""


class OddsApiNotFound(OddsApiError):
    """Unknown sport or finished event (404): :meth:`TheOddsApiProvider.fetch` skips that sport."""


class _Retryable(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(
        self, reason: str, *, status: int | None, error_code: str | None, delay: float | None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error_code = error_code
        self.delay = delay  # the server's Retry-After, when it sent one


class _ApiKeyQuery(httpx.Auth):
    """Adds ``apiKey`` to the query at send time, so no URL built in this module carries the key."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({"apiKey": self._api_key})
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(apiKey={MASK})"


# ------------------------------------------------------------------------------------------------- helpers


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw))
    except ValueError:
        return None


def _retry_after(headers: httpx.Headers) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    """``(error_code, message)`` from an error body; the code is None when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    if not isinstance(body, Mapping):
        return None, f"HTTP {response.status_code}"
    code = body.get("error_code")
    message = body.get("message")
    return (
        code if isinstance(code, str) and code else None,
        message if isinstance(message, str) and message else f"HTTP {response.status_code}",
    )


def _sport_info(raw: object) -> SportInfo | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str) or not raw["key"]:
        return None
    key: str = raw["key"]
    group = raw.get("group")
    title = raw.get("title")
    return SportInfo(
        key=key,
        group=group if isinstance(group, str) and group else sport_group(key),
        title=title if isinstance(title, str) and title else key,
        active=raw.get("active") is not False,
        has_outrights=raw.get("has_outrights") is True,
    )


# ------------------------------------------------------------------------------------------------ provider


class TheOddsApiProvider:
    """The Odds API v4 over HTTP; see the module docstring for calls, costs, errors and partial failures."""

    name = PROVIDER

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        sports: Sequence[str] = (),
        regions: Sequence[str] = ("us",),
        bookmakers: Sequence[str] = (),
        markets: Sequence[str] = ("h2h", "spreads", "totals"),
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        include_scores: bool = True,
        scores_interval_seconds: float = 60.0,
        sports_ttl_seconds: float = 3600.0,
        quota_backoff_seconds: float = 3600.0,
        rng: random.Random | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("The Odds API needs an API key (ODDS_API_KEY)")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if not markets:
            raise ValueError("at least one market is needed (ODDS_MARKETS)")
        if not regions and not bookmakers:
            raise ValueError("regions or bookmakers are needed (ODDS_REGIONS or ODDS_BOOKMAKERS)")
        self._api_key = api_key
        self._auth = _ApiKeyQuery(api_key)
        self.base_url = base_url.rstrip("/")
        self.sports = tuple(sports)
        self.regions = tuple(regions)
        self.bookmakers = tuple(bookmakers)
        self.markets = tuple(markets)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.include_scores = include_scores
        self.scores_interval_seconds = scores_interval_seconds
        self.sports_ttl_seconds = sports_ttl_seconds
        self.quota_backoff_seconds = quota_backoff_seconds
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=self._timeout)
        self._sleep = sleep
        self._clock = clock or _utc_now
        self._rng = rng or random.Random()

        self._quota_remaining: int | None = None
        self._auth_error: OddsApiAuthError | None = None
        self._quota_blocked_until: datetime | None = None
        self._sports_catalogue: tuple[SportInfo, ...] | None = None
        self._sports_fetched_at: datetime | None = None
        self._live: dict[str, dict[str, datetime]] = {}  # sport → {event id: commence time} seen live
        self._scores_at: dict[str, datetime] = {}  # sport → last /scores call

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, sports={self.sports!r}, "
            f"regions={self.regions!r}, bookmakers={self.bookmakers!r}, markets={self.markets!r}, "
            f"api_key={MASK})"
        )

    # -- lifecycle

    def close(self) -> None:
        """Close the HTTP client when this provider created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> TheOddsApiProvider:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def quota_remaining(self) -> int | None:
        """Credits left according to the last response, None before any response said."""
        return self._quota_remaining

    # -- fetch

    def fetch(self) -> Snapshot:
        now = self._clock()
        self._refuse_if_blocked(now)
        sports, catalogue = self._sports_to_poll(now)

        events: list[EventOdds] = []
        succeeded = 0
        failures: list[OddsApiError] = []
        for sport in sports:
            try:
                sport_events = self._fetch_odds(sport, now)
            except OddsApiNotFound as exc:
                self._log_error("warning", exc, attempt=1, action="skipped")
                continue
            except OddsApiUnavailable as exc:
                failures.append(exc)
                continue
            succeeded += 1
            if self.include_scores:
                sport_events = self._with_scores(sport, sport_events, now)
            events.extend(sport_events)

        if failures and succeeded == 0:
            failed = ", ".join(failure.sport or "?" for failure in failures)
            raise OddsApiUnavailable(
                f"The Odds API: no sport could be fetched (failed: {failed}); first error: {failures[0]}",
                error_code=failures[0].error_code,
                status=failures[0].status,
                sport=failures[0].sport,
            )
        for failure in failures:
            self._log_error("error", failure, attempt=self.max_attempts, action="partial_snapshot")

        seen_sports = sports_of(events)
        if catalogue is None:
            sports_catalogue = seen_sports
        else:
            known = {s.key for s in catalogue}
            sports_catalogue = catalogue + tuple(s for s in seen_sports if s.key not in known)
        return Snapshot(
            fetched_at=now,
            events=tuple(events),
            sports=sports_catalogue,
            bookmakers=bookmakers_of(events),
            quota_remaining=self._quota_remaining,
            source=PROVIDER,
        )

    def _refuse_if_blocked(self, now: datetime) -> None:
        if self._auth_error is not None:
            exc = self._auth_error
            raise OddsApiAuthError(
                f"{exc.message} (refusing further calls with this key: rebuild the provider with a new key)",
                error_code=exc.error_code,
                status=exc.status,
                sport=exc.sport,
            )
        if self._quota_blocked_until is not None:
            if now < self._quota_blocked_until:
                raise OddsApiQuotaExhausted(
                    "The Odds API OUT_OF_USAGE_CREDITS: usage credits used up, no calls until "
                    f"{self._quota_blocked_until.isoformat()}",
                    retry_at=self._quota_blocked_until,
                    error_code="OUT_OF_USAGE_CREDITS",
                )
            self._quota_blocked_until = None

    # -- sports

    def _sports_to_poll(self, now: datetime) -> tuple[tuple[str, ...], tuple[SportInfo, ...] | None]:
        """The sport keys to fetch and the ``/sports`` catalogue when discovery is used (None otherwise)."""
        if self.sports:
            return self.sports, None
        catalogue = self._discover_sports(now)
        return tuple(s.key for s in catalogue if s.active and not s.has_outrights), catalogue

    def _discover_sports(self, now: datetime) -> tuple[SportInfo, ...]:
        cached, fetched_at = self._sports_catalogue, self._sports_fetched_at
        if (
            cached is not None
            and fetched_at is not None
            and now - fetched_at < timedelta(seconds=self.sports_ttl_seconds)
        ):
            return cached
        try:
            payload = self._get("/sports", {}, sport=None)
            if not isinstance(payload, list):
                raise OddsApiUnavailable(
                    "The Odds API /sports answered something that is not a list of sports",
                    status=200,
                )
        except OddsApiUnavailable as exc:
            if cached is None:
                raise
            self._log_error("warning", exc, attempt=self.max_attempts, action="stale_sports_list")
            return cached
        catalogue = tuple(info for info in map(_sport_info, payload) if info is not None)
        self._sports_catalogue, self._sports_fetched_at = catalogue, now
        return catalogue

    # -- odds and scores

    def _odds_params(self) -> dict[str, str]:
        params = {
            "markets": ",".join(self.markets),
            "oddsFormat": "decimal",
            "dateFormat": "iso",
        }
        if self.bookmakers:
            params["bookmakers"] = ",".join(self.bookmakers)
        else:
            params["regions"] = ",".join(self.regions)
        return params

    def _fetch_odds(self, sport: str, now: datetime) -> list[EventOdds]:
        payload = self._get(f"/sports/{sport}/odds", self._odds_params(), sport=sport)
        try:
            return list(parse_events(payload, odds_format="decimal", fetched_at=now))
        except ProviderFormatError as exc:
            raise OddsApiUnavailable(
                f"The Odds API odds for sport {sport}: unreadable payload: {self._redact(str(exc))}",
                status=200,
                sport=sport,
            ) from None

    def _with_scores(self, sport: str, events: list[EventOdds], now: datetime) -> list[EventOdds]:
        """Mark completed games and attach live scores, calling ``/scores`` only when it can matter."""
        live = self._live.setdefault(sport, {})
        for event in events:
            if event.commence_time <= now:
                live[event.id] = event.commence_time
        horizon = now - timedelta(days=SCORES_DAYS_FROM)
        for event_id in [eid for eid, commence in live.items() if commence < horizon]:
            del live[event_id]  # out of the daysFrom window: /scores cannot tell any more
        if not live:
            return events
        last = self._scores_at.get(sport)
        if last is not None and now - last < timedelta(seconds=self.scores_interval_seconds):
            return events
        self._scores_at[sport] = now
        try:
            payload = self._get(
                f"/sports/{sport}/scores",
                {"daysFrom": str(SCORES_DAYS_FROM), "dateFormat": "iso"},
                sport=sport,
            )
            scored = parse_events(payload, odds_format="decimal", fetched_at=now)
        except (OddsApiUnavailable, OddsApiNotFound, OddsApiRequestError) as exc:
            # Scores are secondary: the odds are still returned (auth and quota errors do propagate).
            self._log_error("warning", exc, attempt=self.max_attempts, action="scores_skipped")
            return events
        except ProviderFormatError as exc:
            unreadable = OddsApiUnavailable(
                f"The Odds API scores for sport {sport}: unreadable payload: {self._redact(str(exc))}",
                status=200,
                sport=sport,
            )
            self._log_error("warning", unreadable, attempt=1, action="scores_skipped")
            return events

        by_id = {e.id: e for e in scored}
        merged: list[EventOdds] = []
        for event in events:
            score = by_id.pop(event.id, None)
            if score is None:
                merged.append(event)
            elif score.status == "completed":
                merged.append(
                    replace(
                        event,
                        status="completed",
                        bookmakers=(),
                        home_score=score.home_score,
                        away_score=score.away_score,
                    )
                )
            elif score.home_score is not None or score.away_score is not None:
                merged.append(replace(event, home_score=score.home_score, away_score=score.away_score))
            else:
                merged.append(event)
        merged.extend(e for e in by_id.values() if e.status == "completed")
        for event in merged:
            if event.status == "completed":
                live.pop(event.id, None)
        return merged

    # -- HTTP

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, MASK)

    def _get(self, path: str, params: Mapping[str, str], *, sport: str | None) -> Any:
        """GET ``path`` with retries; returns the decoded JSON or raises an :class:`OddsApiError`."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(path, params, sport=sport, attempt=attempt)
            except _Retryable as retry:
                final = attempt >= self.max_attempts
                emit = log.error if final else log.warning
                emit(
                    "odds_api_error",
                    provider=PROVIDER,
                    status=retry.status,
                    error_code=retry.error_code,
                    attempt=attempt,
                    max_attempts=self.max_attempts,
                    sport=sport,
                    path=path,
                    reason=retry.reason,
                    action="give_up" if final else "retry",
                )
                if final:
                    where = f" for sport {sport}" if sport else ""
                    raise OddsApiUnavailable(
                        f"The Odds API {retry.error_code or retry.status or 'unavailable'}{where} ({path}): "
                        f"{retry.reason} after {attempt} attempt(s)",
                        error_code=retry.error_code,
                        status=retry.status,
                        sport=sport,
                    ) from None
                self._sleep(self._backoff(attempt, retry.delay))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform in (0, min(cap, base·2^(attempt−1))]; at least the server's Retry-After."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        delay = ceiling * (1.0 - self._rng.random())  # (0, ceiling]: never a busy retry
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_backoff_seconds))
        return delay

    def _attempt(self, path: str, params: Mapping[str, str], *, sport: str | None, attempt: int) -> Any:
        started = time.perf_counter()
        try:
            response = self._client.get(
                self.base_url + path, params=dict(params), auth=self._auth, timeout=self._timeout
            )
        except httpx.UnsupportedProtocol as exc:
            raise self._terminal(
                OddsApiRequestError,
                f"The Odds API base URL {self.base_url!r} is not usable: {self._redact(str(exc))}",
                status=None,
                error_code=None,
                sport=sport,
                attempt=attempt,
            ) from None
        except httpx.TimeoutException as exc:
            raise _Retryable(
                f"timeout ({type(exc).__name__})", status=None, error_code=None, delay=None
            ) from None
        except httpx.RequestError as exc:
            raise _Retryable(
                f"{type(exc).__name__}: {self._redact(str(exc))}", status=None, error_code=None, delay=None
            ) from None

        status = response.status_code
        remaining = _header_int(response.headers, "x-requests-remaining")
        if remaining is not None:
            self._quota_remaining = remaining
        log.debug(
            "odds_api_request",
            provider=PROVIDER,
            sport=sport,
            path=path,
            status=status,
            cost=_header_int(response.headers, "x-requests-last"),
            remaining=remaining,
            attempt=attempt,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )

        if status < 300:
            try:
                return response.json()
            except ValueError:
                raise _Retryable("invalid JSON", status=status, error_code=None, delay=None) from None
        code, server_message = _error_body(response)
        raise self._classify(
            status, code, self._redact(server_message), response, sport=sport, attempt=attempt
        )

    def _classify(
        self,
        status: int,
        code: str | None,
        message: str,
        response: httpx.Response,
        *,
        sport: str | None,
        attempt: int,
    ) -> Exception:
        """The exception for an error response (recording auth and quota blocks on the way)."""
        where = f" for sport {sport}" if sport else ""
        label = code or f"HTTP {status}"
        text = f"The Odds API {label}{where}: {message}"
        if code in AUTH_CODES or (code is None and status in (401, 403)):
            error = self._terminal(
                OddsApiAuthError, text, status=status, error_code=code, sport=sport, attempt=attempt
            )
            self._auth_error = error
            return error
        if code in QUOTA_CODES:
            retry_at = self._clock() + timedelta(seconds=self.quota_backoff_seconds)
            self._quota_blocked_until = retry_at
            exc = OddsApiQuotaExhausted(
                f"{text} (no calls until {retry_at.isoformat()})",
                retry_at=retry_at,
                error_code=code,
                status=status,
                sport=sport,
            )
            self._log_error("error", exc, attempt=attempt, action="stop_until_reset")
            return exc
        if code in RATE_LIMIT_CODES or (code is None and status == 429):
            return _Retryable(message, status=status, error_code=code, delay=_retry_after(response.headers))
        if code in NOT_FOUND_CODES or (code is None and status == 404):
            return OddsApiNotFound(text, status=status, error_code=code, sport=sport)
        if status >= 500:
            return _Retryable(message, status=status, error_code=code, delay=None)
        return self._terminal(
            OddsApiRequestError, text, status=status, error_code=code, sport=sport, attempt=attempt
        )

    def _terminal(
        self,
        kind: type[_E],
        message: str,
        *,
        status: int | None,
        error_code: str | None,
        sport: str | None,
        attempt: int,
    ) -> _E:
        exc = kind(message, error_code=error_code, status=status, sport=sport)
        self._log_error("error", exc, attempt=attempt, action="raise")
        return exc

    def _log_error(self, level: str, exc: OddsApiError, *, attempt: int, action: str) -> None:
        getattr(log, level)(
            "odds_api_error",
            provider=PROVIDER,
            status=exc.status,
            error_code=exc.error_code,
            attempt=attempt,
            sport=exc.sport,
            error=type(exc).__name__,
            message=self._redact(exc.message),
            action=action,
        )
