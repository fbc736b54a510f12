"""The Odds API provider: which sports to poll and when, what each call may cost, odds, scores, pauses."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog

from fairedge.observability import metrics
from fairedge.odds.providers.base import EventOdds, FeedPaused, Snapshot, SportInfo
from fairedge.odds.providers.odds_api_format import (
    ProviderFormatError,
    bookmakers_of,
    parse_datetime,
    parse_events,
    parse_snapshot,
    sport_group,
    sports_of,
)
from fairedge.odds.providers.the_odds_api import costs
from fairedge.odds.providers.the_odds_api.cadence import LIVE_WINDOW, SportCosts, is_due, plan_sports
from fairedge.odds.providers.the_odds_api.client import PROVIDER, QUOTA_CODES, OddsApiClient
from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiNotFound,
    OddsApiQuotaExhausted,
    OddsApiRequestError,
    OddsApiUnavailable,
)
from fairedge.odds.providers.the_odds_api.feed import FeedStore, MemoryFeedStore, SportPlan, midnight
from fairedge.odds.providers.the_odds_api.keys import KeySource
from fairedge.odds.providers.the_odds_api.merge import add_markets, with_scores
from fairedge.odds.providers.the_odds_api.options import OddsApiOptions

__all__ = ["HistoricalPage", "TheOddsApiProvider"]

log = structlog.get_logger(__name__)

SCORES_DAYS_FROM = 1
SCORES_MAX_DAYS_FROM = 3  # the most /scores looks back


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


def _iso(moment: datetime) -> str:
    """The API's timestamp parameters: ISO 8601 to the second, in UTC."""
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True, slots=True)
class HistoricalPage:
    """One historical snapshot and the time of the next one the provider holds (None at the end)."""

    snapshot: Snapshot
    next_at: datetime | None
    cost: int


class TheOddsApiProvider:
    """The Odds API v4 over HTTP; see the package docstring for calls, costs, plans and pauses.

    ``api_key`` is the key, the keys in order of preference, or a source of either asked before every
    request; ``store`` keeps the feed's state (budget, plans, refused keys; in memory when not given);
    ``http``, ``sleep``, ``clock`` and ``rng`` replace the HTTP client, the retry wait, the clock and the
    jitter (tests, a shared client).
    """

    name = PROVIDER

    def __init__(
        self,
        api_key: str | Sequence[str] | KeySource,
        options: OddsApiOptions | None = None,
        *,
        store: FeedStore | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options if options is not None else OddsApiOptions()
        self.store: FeedStore = store if store is not None else MemoryFeedStore()
        self._api = OddsApiClient(
            api_key, self.options, store=self.store, http=http, sleep=sleep, clock=clock, rng=rng
        )
        self._clock = self._api.clock
        o = self.options
        self._featured: tuple[str, ...] = o.markets  # unplanned: every market in the one /odds call
        self._per_event: tuple[str, ...] = ()
        self._inplay: tuple[str, ...] = ()
        if o.cadence is not None:
            self._featured, self._per_event = costs.split_markets(o.markets)
            self._inplay = costs.split_markets(o.cadence.inplay_markets)[0]
        inplay = self._inplay
        self._costs = SportCosts(
            odds=costs.odds_cost(self._featured, o.regions, o.bookmakers) if self._featured else 0,
            per_event=costs.event_odds_cost(self._per_event, o.regions, o.bookmakers),
            inplay=costs.odds_cost(inplay, o.regions, o.bookmakers) if inplay else 0,
        )
        self._sports_catalogue: tuple[SportInfo, ...] | None = None
        self._sports_fetched_at: datetime | None = None
        self._listed: dict[str, tuple[datetime, tuple[EventOdds, ...]]] = {}  # sport → /events answer
        self._live: dict[str, dict[str, datetime]] = {}  # sport → {event id: commence time} started
        self._completed: set[str] = set()  # event ids /scores said are over: not followed again
        self._scores_at: dict[str, datetime] = {}  # sport → last /scores call (or its skip)
        self._skipped_at: dict[str, datetime] = {}  # sport → last odds refresh skipped for the budget

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

    @property
    def client(self) -> OddsApiClient:
        return self._api

    # -- fetch

    def fetch(self) -> Snapshot:
        now = self._clock()
        self._api.keys.load()
        try:
            self._check_pause(now)
            return self._fetch(now)
        except OddsApiQuotaExhausted as exc:
            raise self._pause(now, exc) from exc
        except OddsApiAuthError as exc:
            if self._api.keys.current() is None:  # every key refused: say so in /health/odds-feed
                self.store.set_paused(exc.error_code or "INVALID_KEY", now)
            raise
        finally:
            self._publish_budget(now)

    def _fetch(self, now: datetime) -> Snapshot:
        sports, catalogue = self._sports_to_poll(now)
        plans = self._plans(sports, now)
        states = self.store.sport_states()

        events: list[EventOdds] = []
        succeeded = 0
        failures: list[OddsApiError] = []
        for sport in sports:
            plan = plans.get(sport)
            if plan is not None:
                state = states.get(sport)
                last = max(
                    (t for t in (state and state.last_refresh_at, self._skipped_at.get(sport)) if t),
                    default=None,
                )
                if not is_due(plan, last, now):
                    sport_events: list[EventOdds] = []
                    if self.options.include_scores:
                        events.extend(self._with_scores(sport, sport_events, now))
                    continue
            try:
                fetched = self._fetch_sport(sport, plan, now)
            except OddsApiNotFound as exc:
                self._api.log_error("warning", exc, attempt=1, action="skipped")
                continue
            except OddsApiUnavailable as exc:
                failures.append(exc)
                continue
            if fetched is None:  # every paid call skipped for the budget
                self._skipped_at[sport] = now
                sport_events = []
            else:
                succeeded += 1
                self.store.refreshed(sport, now)
                sport_events = fetched
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

    # -- credits

    def _afford(self, cost: int, *, call: str, sport: str | None, now: datetime) -> bool:
        """Whether a call of ``cost`` credits fits the budget; a call that does not is skipped, logged."""
        if cost <= 0:
            return True
        budget = self.store.budget(now)
        if budget.allows(cost):
            return True
        log.warning(
            "odds_api_budget_skip",
            provider=PROVIDER,
            call=call,
            sport=sport,
            cost=cost,
            day_left=budget.day_left,
            month_left=budget.month_left,
        )
        metrics.ODDS_API_CALLS_SKIPPED.labels(call=call, reason="budget").inc()
        return False

    def _paid_get(
        self, path: str, params: Mapping[str, str], *, cost: int, call: str, sport: str | None, now: datetime
    ) -> Any:
        """A GET whose credits are counted: the answer's ``x-requests-last``, else the planned cost."""
        payload = self._api.get(path, params, sport=sport)
        spent = self._api.last_call_cost if self._api.last_call_cost is not None else cost
        self.store.charge(now, spent, self._api.last_quota)
        metrics.ODDS_API_CREDITS_SPENT.labels(call=call).inc(spent)
        return payload

    def _publish_budget(self, now: datetime) -> None:
        budget = self.store.budget(now)
        for period, left in (("day", budget.day_left), ("month", budget.month_left)):
            if left is not None:
                metrics.ODDS_API_BUDGET_REMAINING.labels(period=period).set(left)

    def historical_cost(self) -> int:
        """Credits of one historical snapshot of one sport (featured markets only)."""
        o = self.options
        featured = costs.split_markets(o.markets)[0]
        return costs.historical_odds_cost(featured, o.regions, o.bookmakers)

    # -- pause, probe, resume

    def _check_pause(self, now: datetime) -> None:
        """Poll on when a key is usable; otherwise probe for returned credits when due, or stay paused."""
        state = self.store.pause_state()
        if self._api.keys.current() is not None:
            metrics.ODDS_FEED_PAUSED.set(0)
            if state.paused:
                self.store.set_paused(None, now)
                log.info("odds_feed_resumed", provider=PROVIDER, reason="a key is usable")
            return
        refusals = self._api.keys.refusals()
        if not any(r.reason in QUOTA_CODES for _, r in refusals):
            error = self._api.refused_error()
            self.store.set_paused(error.error_code or "MISSING_KEY", now)
            raise error  # a bad key is a failure to alert on, not a pause that ends by itself
        if self._probe_due(now, state.last_probe_at) and self._probe(now):
            self.store.set_paused(None, now)
            log.info("odds_feed_resumed", provider=PROVIDER, reason="credits are back")
            return
        self.store.set_paused("OUT_OF_USAGE_CREDITS", now)
        raise self._paused_error(now)

    def _next_probe(self, now: datetime, last_probe: datetime | None) -> datetime:
        if last_probe is None:
            return now
        budget = self.store.budget(now)
        regular = last_probe + timedelta(seconds=self.options.probe_seconds)
        reset = midnight(budget.period_end)
        return min(regular, reset)

    def _probe_due(self, now: datetime, last_probe: datetime | None) -> bool:
        if last_probe is None:
            return True
        period_start = midnight(self.store.budget(now).period_start)
        return now >= self._next_probe(now, last_probe) or last_probe < period_start <= now

    def _probe(self, now: datetime) -> bool:
        """The free ``/sports`` call with each key out of credits: those with credits again are usable."""
        back: list[str] = []
        out = [k for k, r in self._api.keys.refusals() if r.reason in QUOTA_CODES]
        for key in out:
            try:
                self._api.get("/sports", {}, sport=None, key=key)
            except OddsApiError:
                continue
            remaining = self._api.last_headers.remaining
            if remaining is None or remaining > 0:
                back.append(key)
        self.store.probed(now)
        log.info("odds_api_probe", provider=PROVIDER, keys_checked=len(out), keys_back=len(back))
        if back:
            self._api.keys.accept(back)
        return bool(back)

    def _pause(self, now: datetime, exc: OddsApiQuotaExhausted) -> FeedPaused:
        self.store.set_paused("OUT_OF_USAGE_CREDITS", now)
        self.store.probed(now)  # the refusal just seen is this probe's answer
        log.error(
            "odds_feed_paused",
            provider=PROVIDER,
            reason="OUT_OF_USAGE_CREDITS",
            sport=exc.sport,
            next_probe_at=self._next_probe(now, now).isoformat(),
        )
        return self._paused_error(now)

    def _paused_error(self, now: datetime) -> FeedPaused:
        metrics.ODDS_FEED_PAUSED.set(1)
        at = self._next_probe(now, self.store.pause_state().last_probe_at)
        return FeedPaused(
            "The Odds API: the credits of every key are used up; polling paused until the probe at "
            f"{at.isoformat()} finds them back (or `fairedge odds resume`)",
            reason="OUT_OF_USAGE_CREDITS",
            resume_check_at=at,
        )

    # -- sports and plans

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

    def _plans(self, sports: Sequence[str], now: datetime) -> dict[str, SportPlan]:
        """Each sport's plan from its start times (none without a cadence: every sport every time)."""
        cadence = self.options.cadence
        if cadence is None:
            return {}
        starts = {sport: [e.commence_time for e in self._listed_events(sport, now)] for sport in sports}
        plans = plan_sports(
            starts, now=now, cadence=cadence, costs=self._costs, budget=self.store.budget(now)
        )
        self.store.save_plans(plans, now)
        return {p.sport: p for p in plans}

    def _listed_events(self, sport: str, now: datetime) -> tuple[EventOdds, ...]:
        """The sport's events from the free ``/events`` call, asked again after ``events_ttl_seconds``."""
        assert self.options.cadence is not None
        cached = self._listed.get(sport)
        ttl = timedelta(seconds=self.options.cadence.events_ttl_seconds)
        if cached is not None and now - cached[0] < ttl:
            listed = cached[1]
        else:
            try:
                payload = self._api.get(f"/sports/{sport}/events", {"dateFormat": "iso"}, sport=sport)
                listed = parse_events(payload, fetched_at=now)
            except (OddsApiUnavailable, OddsApiNotFound, OddsApiRequestError, ProviderFormatError) as exc:
                log.warning(
                    "odds_api_error",
                    provider=PROVIDER,
                    sport=sport,
                    path=f"/sports/{sport}/events",
                    error=type(exc).__name__,
                    message=self._api.redact(str(exc)),
                    action="stale_events_list" if cached is not None else "no_events_list",
                )
                listed = cached[1] if cached is not None else ()
            else:
                self._listed[sport] = (now, listed)
        live = self._live.setdefault(sport, {})
        for event in listed:
            if now - LIVE_WINDOW < event.commence_time <= now and event.id not in self._completed:
                live[event.id] = event.commence_time
        return listed

    # -- odds

    def _odds_params(self, markets: Sequence[str]) -> dict[str, str]:
        params = {"markets": ",".join(markets), "oddsFormat": "decimal", "dateFormat": "iso"}
        if self.options.bookmakers:
            params["bookmakers"] = ",".join(self.options.bookmakers)
        else:
            params["regions"] = ",".join(self.options.regions)
        return params

    def _parsed(self, payload: Any, sport: str, now: datetime, what: str) -> tuple[EventOdds, ...]:
        try:
            if isinstance(payload, Mapping):  # one event: /events/{id}/odds
                return parse_snapshot(payload, now).events
            return parse_events(payload, odds_format="decimal", fetched_at=now)
        except ProviderFormatError as exc:
            raise OddsApiUnavailable(
                f"The Odds API {what} for sport {sport}: unreadable payload: {self._api.redact(str(exc))}",
                status=200,
                sport=sport,
            ) from None

    def _fetch_sport(self, sport: str, plan: SportPlan | None, now: datetime) -> list[EventOdds] | None:
        """The sport's odds: featured markets, then per-event and in-play markets when configured.

        None when every call it needed was skipped for the budget.
        """
        found: dict[str, EventOdds] = {}
        needed = skipped = 0
        planned = plan is not None
        cadence = self.options.cadence
        if self._featured and (plan is None or plan.next_commence is not None):
            needed += 1
            params = self._odds_params(self._featured)
            if planned:
                params["commenceTimeFrom"] = _iso(now)  # in play only through the in-play call
            cost = self._costs.odds
            if self._afford(cost, call="odds", sport=sport, now=now):
                payload = self._paid_get(
                    f"/sports/{sport}/odds", params, cost=cost, call="odds", sport=sport, now=now
                )
                found.update((e.id, e) for e in self._parsed(payload, sport, now, "odds"))
            else:
                skipped += 1
        if planned and cadence is not None and self._per_event:
            soon = now + cadence.soon
            for listed in self._listed_events(sport, now):
                if not now < listed.commence_time <= soon:
                    continue
                needed += 1
                cost = self._costs.per_event
                if not self._afford(cost, call="event_odds", sport=sport, now=now):
                    skipped += 1
                    continue
                try:
                    payload = self._paid_get(
                        f"/sports/{sport}/events/{listed.id}/odds",
                        self._odds_params(self._per_event),
                        cost=cost,
                        call="event_odds",
                        sport=sport,
                        now=now,
                    )
                except OddsApiNotFound as exc:  # the event ended or moved: the others still count
                    self._api.log_error("warning", exc, attempt=1, action="skipped")
                    continue
                add_markets(found, self._parsed(payload, sport, now, "event odds"))
        if plan is not None and plan.reason == "live":
            needed += 1
            params = {**self._odds_params(self._inplay), "commenceTimeTo": _iso(now)}
            cost = self._costs.inplay
            if self._afford(cost, call="inplay_odds", sport=sport, now=now):
                payload = self._paid_get(
                    f"/sports/{sport}/odds", params, cost=cost, call="inplay_odds", sport=sport, now=now
                )
                add_markets(found, self._parsed(payload, sport, now, "in-play odds"))
            else:
                skipped += 1
        if needed and skipped == needed:
            return None
        events = list(found.values())
        if not planned:  # without /events, the odds answer is where games are seen live
            live = self._live.setdefault(sport, {})
            live.update((e.id, e.commence_time) for e in events if e.commence_time <= now)
        return events

    # -- scores

    def _with_scores(self, sport: str, events: list[EventOdds], now: datetime) -> list[EventOdds]:
        """Mark completed games and attach live scores, calling ``/scores`` only when it can matter."""
        live = self._live.setdefault(sport, {})
        horizon = now - timedelta(days=SCORES_DAYS_FROM)
        for event_id in [eid for eid, commence in live.items() if commence < horizon]:
            del live[event_id]  # out of the daysFrom window: /scores cannot tell any more
        if not live:
            return events
        last = self._scores_at.get(sport)
        if last is not None and now - last < timedelta(seconds=self.options.scores_interval_seconds):
            return events
        self._scores_at[sport] = now
        cost = costs.scores_cost(SCORES_DAYS_FROM)
        if not self._afford(cost, call="scores", sport=sport, now=now):
            return events
        try:
            payload = self._paid_get(
                f"/sports/{sport}/scores",
                {"daysFrom": str(SCORES_DAYS_FROM), "dateFormat": "iso"},
                cost=cost,
                call="scores",
                sport=sport,
                now=now,
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
        # Planned without in-play markets, the odds no longer carry started games: /scores shows them live.
        add_live = self.options.cadence is not None and not self._inplay
        merged = with_scores(events, scored, add_live=add_live)
        for event in merged:
            if event.status == "completed":
                live.pop(event.id, None)
                self._completed.add(event.id)
        return merged

    def scores(self, sport: str, *, days_from: int) -> list[EventOdds]:
        """The sport's started games of the last ``days_from`` days (1..3) with their scores, from one
        ``/scores`` call counted against the budget (2 credits with ``daysFrom``). Over the budget, paused or
        unavailable: nothing, logged (the settlement job asks again on its next run); a refused key raises."""
        days = min(max(int(days_from), 1), SCORES_MAX_DAYS_FROM)
        now = self._clock()
        self._api.keys.load()
        if self._api.keys.current() is None or self.store.pause_state().paused:
            log.info("odds_api_scores_skipped", provider=PROVIDER, sport=sport, reason="paused")
            return []
        cost = costs.scores_cost(days)
        if not self._afford(cost, call="scores", sport=sport, now=now):
            return []
        try:
            payload = self._paid_get(
                f"/sports/{sport}/scores",
                {"daysFrom": str(days), "dateFormat": "iso"},
                cost=cost,
                call="scores",
                sport=sport,
                now=now,
            )
            scored = parse_events(payload, odds_format="decimal", fetched_at=now)
        except (OddsApiUnavailable, OddsApiNotFound, OddsApiRequestError) as exc:
            self._api.log_error("warning", exc, attempt=self.options.max_attempts, action="scores_skipped")
            return []
        except ProviderFormatError as exc:
            unreadable = OddsApiUnavailable(
                f"The Odds API scores for sport {sport}: unreadable payload: {self._api.redact(str(exc))}",
                status=200,
                sport=sport,
            )
            self._api.log_error("warning", unreadable, attempt=1, action="scores_skipped")
            return []
        finally:
            self._publish_budget(now)
        return list(scored)

    # -- historical (paid plans)

    def historical(self, sport: str, at: datetime) -> HistoricalPage:
        """The snapshot the provider held for ``sport`` at ``at`` (its featured markets), at ten times the
        live cost; counted against the budget like any call (an over-budget one raises
        :class:`OddsApiRequestError` without a request)."""
        now = self._clock()
        self._api.keys.load()
        featured = costs.split_markets(self.options.markets)[0]
        if not featured:
            raise OddsApiRequestError(
                "The Odds API historical odds cover the featured markets only (h2h, spreads, totals…): "
                "ODDS_MARKETS lists none",
                sport=sport,
            )
        cost = self.historical_cost()
        if not self._afford(cost, call="historical_odds", sport=sport, now=now):
            raise OddsApiRequestError(
                f"The Odds API historical odds for {sport} at {_iso(at)}: {cost} credits are over the budget",
                sport=sport,
            )
        params = {**self._odds_params(featured), "date": _iso(at)}
        try:
            payload = self._paid_get(
                f"/historical/sports/{sport}/odds",
                params,
                cost=cost,
                call="historical_odds",
                sport=sport,
                now=now,
            )
            snapshot = parse_snapshot(payload, at, source=PROVIDER)
        except ProviderFormatError as exc:
            raise OddsApiUnavailable(
                f"The Odds API historical odds for sport {sport}: unreadable payload: {exc}",
                status=200,
                sport=sport,
            ) from None
        next_raw = payload.get("next_timestamp") if isinstance(payload, Mapping) else None
        next_at = parse_datetime(next_raw) if next_raw is not None else None
        return HistoricalPage(snapshot, next_at, self._api.last_call_cost or cost)
