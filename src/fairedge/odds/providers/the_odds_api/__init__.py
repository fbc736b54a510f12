"""The production odds provider: The Odds API v4 over HTTP (``/sports``, ``/sports/{sport}/odds``, scores).

``errors`` holds the exception hierarchy, ``options`` the frozen :class:`OddsApiOptions` (built from the
settings in ``providers/factory.py``), ``client`` the HTTP side (key source, retries with backoff and jitter,
error classification, auth and quota blocks) and ``provider`` what one refresh asks for. Key rotation plugs in
as a :data:`KeySource` (asked before every request); credit accounting belongs in ``OddsApiClient``, which
sees every response's ``x-requests-remaining`` and ``x-requests-last``.

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

**Partial failure.** A 404 sport (``OddsApiNotFound``) is skipped (logged). When a sport stays unavailable
after its retries (or answers a body that is not a list of events) the other sports are still fetched. If at
least one sport's ``/odds`` succeeded, the partial snapshot is returned and each failed sport is logged as
``odds_api_error`` (level error, ``action="partial_snapshot"``): ingestion only touches events present in
the snapshot, so the failed sport's stored odds stay as they are and simply age. If no sport succeeded,
:class:`OddsApiUnavailable` is raised so the job records a failure. Terminal errors (auth, quota, bad
request) always raise, whatever succeeded before.
"""

from fairedge.odds.providers.the_odds_api.client import KeySource
from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiNotFound,
    OddsApiQuotaExhausted,
    OddsApiRequestError,
    OddsApiUnavailable,
)
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
