"""The production odds provider: The Odds API v4 over HTTP, within a credit budget, on a plan per sport.

``errors`` holds the exception hierarchy, ``options`` the frozen :class:`OddsApiOptions` (built from the
settings in ``providers/factory.py``), ``client`` the HTTP side (keys, retries with backoff and jitter, error
classification, quota headers), ``keys`` the key ring (a refused key hands over to the next), ``costs`` what
each call costs, ``cadence`` how often each sport is polled, ``feed`` the feed's state as a protocol (the
database implements it in ``fairedge.odds.feed_store``; :class:`MemoryFeedStore` otherwise) and
``provider`` what one refresh asks for.

One :meth:`TheOddsApiProvider.fetch` is one refresh:

1. **Keys and pause.** The first key not refused is used. With none left because credits are used up,
   polling is paused: no call at all, except the free ``/sports`` probe with each exhausted key every
   ``probe_seconds`` and at once when the credit month resets (``ODDS_API_RESET_DAY``); a key with credits
   again resumes polling, as does a new key (a rotation) or ``fairedge odds resume``. Paused,
   :class:`~fairedge.odds.providers.base.FeedPaused` is raised (not a failure). Every key refused for
   auth raises :class:`OddsApiAuthError` until the keys change.
2. **Sports.** The configured ``sports``; when none are configured, the active sports without outrights
   from the free ``GET /sports``, cached for ``sports_ttl_seconds`` (a failed refresh of that list reuses
   the stale one when there is one).
3. **Plans** (``cadence`` set, as the settings always set it). Each sport's start times from the free
   ``/sports/{sport}/events`` (asked again after ``events_ttl_seconds``) decide its cadence (``cadence.py``,
   stretched when the budget cannot pay it); only the sports due are polled. Without ``cadence`` every sport
   is polled at every fetch (one call per sport with every configured market).
4. **Odds.** Before each paid call its cost is computed (``costs.py``) and checked against the budget: a
   call over it is skipped with ``odds_api_budget_skip`` (and the sport tried again a cadence later). The
   answer's ``x-requests-last`` is what is counted. ``GET /sports/{sport}/odds`` with the featured markets
   and ``commenceTimeFrom=now`` (pre-match); per-event ``/events/{id}/odds`` for the other markets (player
   props, alternates, periods) of each event starting soon; ``/odds`` with ``commenceTimeTo=now`` and the
   in-play markets for sports with events in play, when in-play markets are configured. Listed
   ``bookmakers`` replace ``regions`` (ten cost one region). The JSON goes through
   :func:`~fairedge.odds.providers.odds_api_format.parse_events`.
5. **Scores** (``include_scores``). ``GET /sports/{sport}/scores?daysFrom=1`` (2 credits, within the budget)
   at most once per ``scores_interval_seconds`` for a sport with started games (listed by ``/events``, or
   seen live in the odds), until ``/scores`` says each is over. Completed games become events with
   ``status="completed"``, integer scores and no bookmakers (ingestion then closes their lines); live
   games get their score (planned without in-play markets, they are added without bookmakers: their
   pre-match lines end at the start). A failing ``/scores`` call is logged and skipped.
6. **Snapshot.** All sports polled in one :class:`~fairedge.odds.providers.base.Snapshot`: ``fetched_at``
   from ``clock()`` at the start of the fetch, the ``/sports`` catalogue when it was fetched (else the
   sports seen in the events), the bookmakers seen, ``quota_remaining`` from the last quota header,
   ``source="the_odds_api"``.

**Partial failure.** A 404 sport (``OddsApiNotFound``) is skipped (logged). When a sport stays unavailable
after its retries (or answers a body that is not a list of events) the other sports are still fetched. If at
least one sport's ``/odds`` succeeded, the partial snapshot is returned and each failed sport is logged as
``odds_api_error`` (level error, ``action="partial_snapshot"``): ingestion only touches events present in
the snapshot, so the failed sport's stored odds stay as they are and simply age. If no sport succeeded,
:class:`OddsApiUnavailable` is raised so the job records a failure. Terminal errors (auth, bad request)
always raise, whatever succeeded before.

**Historical** (:meth:`TheOddsApiProvider.historical`, for ``fairedge backfill``): one snapshot at a time,
at ten times the live cost, within the budget.
"""

from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiNotFound,
    OddsApiQuotaExhausted,
    OddsApiRequestError,
    OddsApiUnavailable,
)
from fairedge.odds.providers.the_odds_api.keys import KeySource
from fairedge.odds.providers.the_odds_api.options import DEFAULT_BASE_URL, OddsApiOptions
from fairedge.odds.providers.the_odds_api.provider import TheOddsApiProvider

__all__ = [
    "DEFAULT_BASE_URL",
    "KeySource",
    "OddsApiAuthError",
    "OddsApiError",
    "OddsApiNotFound",
    "OddsApiOptions",
    "OddsApiQuotaExhausted",
    "OddsApiRequestError",
    "OddsApiUnavailable",
    "TheOddsApiProvider",
]
