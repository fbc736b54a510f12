"""The Odds API provider: which sports to poll, odds per sport, scores, and one snapshot per refresh."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from fairedge.odds.providers.base import EventOdds, Snapshot, SportInfo
from fairedge.odds.providers.odds_api_format import (
    ProviderFormatError,
    bookmakers_of,
    parse_events,
    sport_group,
    sports_of,
)
from fairedge.odds.providers.the_odds_api.client import PROVIDER, KeySource, OddsApiClient
from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiError,
    OddsApiNotFound,
    OddsApiRequestError,
    OddsApiUnavailable,
)
from fairedge.odds.providers.the_odds_api.options import OddsApiOptions

__all__ = ["TheOddsApiProvider"]

SCORES_DAYS_FROM = 1


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


class TheOddsApiProvider:
    """The Odds API v4 over HTTP; see the package docstring for calls, costs and partial failures.

    ``api_key`` is the key or a key source asked before every request; ``http``, ``sleep``, ``clock`` and
    ``rng`` replace the HTTP client, the retry wait, the clock and the jitter (tests, a shared client).
    """

    name = PROVIDER

    def __init__(
        self,
        api_key: str | KeySource,
        options: OddsApiOptions | None = None,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options if options is not None else OddsApiOptions()
        self._api = OddsApiClient(api_key, self.options, http=http, sleep=sleep, clock=clock, rng=rng)
        self._clock = self._api.clock
        self._sports_catalogue: tuple[SportInfo, ...] | None = None
        self._sports_fetched_at: datetime | None = None
        self._live: dict[str, dict[str, datetime]] = {}  # sport → {event id: commence time} seen live
        self._scores_at: dict[str, datetime] = {}  # sport → last /scores call

    def __repr__(self) -> str:
        o = self.options
        return (
            f"{type(self).__name__}(base_url={self._api.base_url!r}, sports={o.sports!r}, "
            f"regions={o.regions!r}, bookmakers={o.bookmakers!r}, markets={o.markets!r}, api_key=***)"
        )

    # -- lifecycle

    def close(self) -> None:
        """Close the HTTP client when this provider created it."""
        self._api.close()

    def __enter__(self) -> TheOddsApiProvider:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def quota_remaining(self) -> int | None:
        """Credits left according to the last response, None before any response said."""
        return self._api.quota_remaining

    # -- fetch

    def fetch(self) -> Snapshot:
        now = self._clock()
        self._api.refuse_if_blocked(now)
        sports, catalogue = self._sports_to_poll(now)

        events: list[EventOdds] = []
        succeeded = 0
        failures: list[OddsApiError] = []
        for sport in sports:
            try:
                sport_events = self._fetch_odds(sport, now)
            except OddsApiNotFound as exc:
                self._api.log_error("warning", exc, attempt=1, action="skipped")
                continue
            except OddsApiUnavailable as exc:
                failures.append(exc)
                continue
            succeeded += 1
            if self.options.include_scores:
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
            self._api.log_error(
                "error", failure, attempt=self.options.max_attempts, action="partial_snapshot"
            )

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
            quota_remaining=self._api.quota_remaining,
            source=PROVIDER,
        )

    # -- sports

    def _sports_to_poll(self, now: datetime) -> tuple[tuple[str, ...], tuple[SportInfo, ...] | None]:
        """The sport keys to fetch and the ``/sports`` catalogue when discovery is used (None otherwise)."""
        if self.options.sports:
            return self.options.sports, None
        catalogue = self._discover_sports(now)
        return tuple(s.key for s in catalogue if s.active and not s.has_outrights), catalogue

    def _discover_sports(self, now: datetime) -> tuple[SportInfo, ...]:
        cached, fetched_at = self._sports_catalogue, self._sports_fetched_at
        if (
            cached is not None
            and fetched_at is not None
            and now - fetched_at < timedelta(seconds=self.options.sports_ttl_seconds)
        ):
            return cached
        try:
            payload = self._api.get("/sports", {}, sport=None)
            if not isinstance(payload, list):
                raise OddsApiUnavailable(
                    "The Odds API /sports answered something that is not a list of sports",
                    status=200,
                )
        except OddsApiUnavailable as exc:
            if cached is None:
                raise
            self._api.log_error("warning", exc, attempt=self.options.max_attempts, action="stale_sports_list")
            return cached
        catalogue = tuple(info for info in map(_sport_info, payload) if info is not None)
        self._sports_catalogue, self._sports_fetched_at = catalogue, now
        return catalogue

    # -- odds and scores

    def _odds_params(self) -> dict[str, str]:
        params = {
            "markets": ",".join(self.options.markets),
            "oddsFormat": "decimal",
            "dateFormat": "iso",
        }
        if self.options.bookmakers:
            params["bookmakers"] = ",".join(self.options.bookmakers)
        else:
            params["regions"] = ",".join(self.options.regions)
        return params

    def _fetch_odds(self, sport: str, now: datetime) -> list[EventOdds]:
        payload = self._api.get(f"/sports/{sport}/odds", self._odds_params(), sport=sport)
        try:
            return list(parse_events(payload, odds_format="decimal", fetched_at=now))
        except ProviderFormatError as exc:
            raise OddsApiUnavailable(
                f"The Odds API odds for sport {sport}: unreadable payload: {self._api.redact(str(exc))}",
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
        if last is not None and now - last < timedelta(seconds=self.options.scores_interval_seconds):
            return events
        self._scores_at[sport] = now
        try:
            payload = self._api.get(
                f"/sports/{sport}/scores",
                {"daysFrom": str(SCORES_DAYS_FROM), "dateFormat": "iso"},
                sport=sport,
            )
            scored = parse_events(payload, odds_format="decimal", fetched_at=now)
        except (OddsApiUnavailable, OddsApiNotFound, OddsApiRequestError) as exc:
            # Scores are secondary: the odds are still returned (auth and quota errors do propagate).
            self._api.log_error("warning", exc, attempt=self.options.max_attempts, action="scores_skipped")
            return events
        except ProviderFormatError as exc:
            unreadable = OddsApiUnavailable(
                f"The Odds API scores for sport {sport}: unreadable payload: {self._api.redact(str(exc))}",
                status=200,
                sport=sport,
            )
            self._api.log_error("warning", unreadable, attempt=1, action="scores_skipped")
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
