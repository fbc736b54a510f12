"""Webhook bodies and the one way FairEdge calls a webhook.

Bodies: ``generic`` (FairEdge's JSON: the alert, the opportunity as ``GET /api/opportunities/{id}`` shows
it, the send time), ``discord`` (an execute-webhook body: ``content`` and one embed) and ``slack`` (an
incoming-webhook body: ``text`` and a section block). Ages in the opportunity are computed when sent.

:class:`WebhookSender` posts a body through the SSRF guard (ssrf.py): the host resolved and checked, the
connection pinned to the checked address, no redirects followed (a 3xx is a failure), short timeouts. It
never raises for the outside world's failures: every outcome is a :class:`SendResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson
import structlog

from fairedge import __version__
from fairedge.alerts.ssrf import PinnedTransport, UnsafeWebhook, WebhookPolicy, mask_url
from fairedge.config import Settings

log = structlog.get_logger(__name__)

KIND_TITLES = {"ev": "+EV bet", "arbitrage": "Arbitrage", "middle": "Middle"}
ERROR_CHARS = 300  # of a receiver's answer kept as the delivery's last error


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    status_code: int | None  # None: no HTTP answer (refused, unreachable, timed out)
    error: str | None
    retryable: bool  # False: the URL is refused by the guard; a retry cannot succeed
    seconds: float
    retry_after: float | None = None  # a 429's Retry-After, in seconds: the receiver is rate limiting us

    @property
    def throttled(self) -> bool:
        return self.status_code == 429


def _iso(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def fresh(opportunity: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The stored opportunity with its clock-dependent fields computed at ``now``."""
    out = dict(opportunity)
    if "confirmed_at" in out:
        out["quote_age_seconds"] = max((now - _iso(out["confirmed_at"])).total_seconds(), 0.0)
    if "first_seen" in out:
        end = _iso(out["ended_at"]) if out.get("ended_at") else now
        out["lifespan_seconds"] = max((end - _iso(out["first_seen"])).total_seconds(), 0.0)
    return out


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def headline(opp: dict[str, Any]) -> str:
    """One line a person reads: kind and rate, the game, the market."""
    event = opp.get("event", {})
    kind = str(opp.get("kind", ""))
    rate = _pct(opp.get("profit_margin") if kind == "arbitrage" else opp.get("ev"))
    game = f"{event.get('away_team', '?')} @ {event.get('home_team', '?')}"
    league = event.get("league_title", "")
    return f"{KIND_TITLES.get(kind, kind)} {rate} · {game} ({league}) · {opp.get('market')}"


def leg_lines(opp: dict[str, Any]) -> list[str]:
    lines = []
    for leg in opp.get("legs", []):
        point = "" if leg.get("point") is None else f" {leg['point']:+g}"
        lines.append(f"{leg['outcome']}{point} @ {leg['price_decimal']:.2f} at {leg['bookmaker']}")
    return lines


def body(channel: str, alert: dict[str, Any], opportunity: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The JSON to post for ``opportunity`` (as stored) to an alert's webhook of ``channel``."""
    opp = fresh(opportunity, now)
    if channel == "discord":
        embed: dict[str, Any] = {
            "title": headline(opp)[:256],
            "description": "\n".join(leg_lines(opp))[:4000],
            "fields": _fields(opp),
            "footer": {"text": f"FairEdge alert: {alert['name']}"[:2048]},
            "timestamp": now.isoformat(),
        }
        return {"username": "FairEdge", "content": headline(opp)[:2000], "embeds": [embed]}
    if channel == "slack":
        text = headline(opp)
        details = "\n".join(f"• {line}" for line in leg_lines(opp))
        return {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*\n{details}"[:3000]}},
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"FairEdge alert: {alert['name']}"}],
                },
            ],
        }
    return {"event": "opportunity", "alert": alert, "opportunity": opp, "sent_at": now.isoformat()}


def _fields(opp: dict[str, Any]) -> list[dict[str, Any]]:
    fields = []
    for name, key in (("EV", "ev"), ("Profit margin", "profit_margin"), ("Kelly", "kelly_fraction")):
        if opp.get(key) is not None:
            fields.append({"name": name, "value": _pct(opp[key]), "inline": True})
    start = opp.get("event", {}).get("commence_time")
    if start:
        fields.append({"name": "Starts", "value": str(start), "inline": True})
    return fields


def sample_message(channel: str, alert: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What a test-send posts: the channel's shape, saying it is a test."""
    text = f"FairEdge test message for alert {alert['name']!r}: this webhook works."
    if channel == "discord":
        return {"username": "FairEdge", "content": text}
    if channel == "slack":
        return {"text": text}
    return {"event": "test", "alert": alert, "message": text, "sent_at": now.isoformat()}


class WebhookSender:
    """Posts JSON to webhooks, through the guard, with short timeouts."""

    def __init__(self, policy: WebhookPolicy, *, timeout_seconds: float) -> None:
        self.policy = policy
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 3.0))

    def send(self, url: str, payload: dict[str, Any]) -> SendResult:
        started = time.perf_counter()
        masked = mask_url(url)
        try:
            parsed = self.policy.check_url(url)
            address = self.policy.resolve(parsed)
        except UnsafeWebhook as exc:
            log.warning("alert_webhook_refused", url=masked, reason=exc.message)
            return SendResult(False, None, exc.message, False, time.perf_counter() - started)
        headers = {"Content-Type": "application/json", "User-Agent": f"FairEdge/{__version__} alerts"}
        try:
            with httpx.Client(
                transport=PinnedTransport(parsed.host, address),
                timeout=self.timeout,
                follow_redirects=False,
                trust_env=False,
            ) as client:
                response = client.post(parsed, content=orjson.dumps(payload), headers=headers)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
            log.warning("alert_webhook_error", url=masked, error_type=type(exc).__name__)
            return SendResult(False, None, error, True, time.perf_counter() - started)
        seconds = time.perf_counter() - started
        code = response.status_code
        if 200 <= code < 300:
            return SendResult(True, code, None, True, seconds)
        if code == 429:
            wait = _seconds(response.headers.get("Retry-After"))
            log.info("alert_webhook_throttled", url=masked, retry_after=wait)
            return SendResult(False, code, "HTTP 429: rate limited by the receiver", True, seconds, wait)
        if 300 <= code < 400:
            error = f"HTTP {code}: redirects are not followed (webhooks must answer at the saved URL)"
        else:
            error = f"HTTP {code}: {response.text[:ERROR_CHARS]}"
        log.warning("alert_webhook_failed", url=masked, status=code)
        return SendResult(False, code, error, True, seconds)


def _seconds(value: str | None) -> float | None:
    """Retry-After as seconds (Discord and Slack send a number; an HTTP date is not worth parsing here)."""
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def policy_for(settings: Settings) -> WebhookPolicy:
    """The guard as configured: enforced in production, with the operator's exempt networks."""
    return WebhookPolicy.build(
        production=settings.is_production, allowed=settings.ALERT_WEBHOOK_ALLOWED_NETWORKS
    )


def sender_for(settings: Settings) -> WebhookSender:
    return WebhookSender(policy_for(settings), timeout_seconds=settings.ALERT_WEBHOOK_TIMEOUT_SECONDS)
