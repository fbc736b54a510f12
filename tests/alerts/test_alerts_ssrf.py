"""The SSRF guard under ENVIRONMENT=production: loopback, private, link-local, multicast and reserved
addresses refused (IPv4, IPv6, IPv4 inside IPv6) at save time and again after DNS at send time, the
connection pinned to the checked address, redirects never followed; on SQLite and PostgreSQL where a
database is involved."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from alerts_env import Receiver, nba, receiver_fixture, run_job, scan_board
from pydantic import ValidationError
from sqlalchemy import select

from accounts_env import Env, bearer
from factories import T0
from fairedge.alerts.delivery import WebhookSender, policy_for
from fairedge.alerts.models import Alert, AlertDelivery
from fairedge.alerts.ssrf import UnsafeWebhook, WebhookPolicy, mask_url, unsafe_reason
from fairedge.config import Settings

PRODUCTION = Settings(
    _env_file=None,
    ENVIRONMENT="production",
    DATABASE_URL="postgresql+psycopg://fairedge@db.internal/fairedge",
    REDIS_URL="redis://redis.internal:6379/0",
    SECRET_KEY="s" * 40,
)
PUBLIC = "93.184.216.34"


def _resolving(*answers: list[str]) -> Callable[[str, int], list[str]]:
    """A resolver answering each call with the next list (the last repeats): DNS that changes its mind."""
    calls: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    return resolve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiver_fixture()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "private"),  # documentation range
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo client 10.0.0.1
    ],
)
def test_unsafe_addresses_are_named(address: str, reason: str) -> None:
    assert unsafe_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", [PUBLIC, "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert unsafe_reason(ipaddress.ip_address(address)) is None


def test_production_settings_enforce_the_guard() -> None:
    assert policy_for(PRODUCTION).enforce
    assert not policy_for(Settings(_env_file=None, ENVIRONMENT="development")).enforce


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.5:8443/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[fd12:3456::1]/hook", "private"),
        ("https://localhost/hook", "loopback"),  # a name resolving to a loopback address
        ("https://2130706433/hook", "loopback"),  # 127.0.0.1 as one decimal number
        ("https://0177.0.0.1/hook", "not a URL"),  # octal: httpx refuses the form itself
        ("http://hooks.example.com/hook", "https"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_production_refuses_unsafe_urls_at_save_time(url: str, message: str) -> None:
    with pytest.raises(UnsafeWebhook) as refused:
        policy_for(PRODUCTION).check_before_save(url)
    assert message in refused.value.message
    assert refused.value.status_code == 422


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    policy = WebhookPolicy.build(production=True, resolver=_resolving([PUBLIC, "10.0.0.7"]))
    with pytest.raises(UnsafeWebhook, match="private"):
        policy.check_before_save("https://mixed.example.com/hook")


def test_a_public_https_url_is_accepted_and_development_accepts_anything() -> None:
    policy = WebhookPolicy.build(production=True, resolver=_resolving([PUBLIC]))
    assert policy.check_before_save("https://discord.com/api/webhooks/1/abc").host == "discord.com"
    assert WebhookPolicy.build(production=False).check_before_save("http://127.0.0.1:9/x").host == "127.0.0.1"


def test_allowed_networks_exempt_an_internal_relay_and_only_it() -> None:
    policy = WebhookPolicy.build(production=True, allowed=["127.0.0.1/32"])
    assert policy.check_before_save("http://127.0.0.1:8080/relay").port == 8080  # http allowed there
    with pytest.raises(UnsafeWebhook, match="loopback"):
        policy.check_before_save("http://127.0.0.2:8080/relay")


def test_allowed_networks_must_be_networks() -> None:
    settings = Settings(_env_file=None, ALERT_WEBHOOK_ALLOWED_NETWORKS="10.0.0.0/8, fd00::/8")
    assert settings.ALERT_WEBHOOK_ALLOWED_NETWORKS == ("10.0.0.0/8", "fd00::/8")
    with pytest.raises(ValidationError):
        Settings(_env_file=None, ALERT_WEBHOOK_ALLOWED_NETWORKS="10.0.0.0/8,intranet")


def test_dns_rebinding_is_caught_at_send_time(receiver: Receiver) -> None:
    """Public when saved, loopback when sent: the second resolution is checked and nothing connects."""
    policy = WebhookPolicy.build(production=True, resolver=_resolving([PUBLIC], ["127.0.0.1"]))
    url = f"https://rebind.example.com:{receiver.port}/hook"
    policy.check_before_save(url)
    result = WebhookSender(policy, timeout_seconds=2).send(url, {"hello": "world"})
    assert not result.ok and not result.retryable and result.status_code is None
    assert "loopback" in (result.error or "")
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address(receiver: Receiver) -> None:
    """The request connects where the guard's resolution said (a name no DNS knows reaches the receiver),
    and keeps the name in the Host header."""
    policy = WebhookPolicy.build(production=False, resolver=_resolving(["127.0.0.1"]))
    result = WebhookSender(policy, timeout_seconds=2).send(
        f"http://webhook.fairedge.test:{receiver.port}/hooks/x", {"n": 1}
    )
    assert result.ok and result.status_code == 204
    (got,) = receiver.received
    assert got.headers["Host"] == f"webhook.fairedge.test:{receiver.port}" and got.body == {"n": 1}


def test_a_redirect_to_a_private_address_is_not_followed() -> None:
    target = Receiver(host="127.0.0.2").start()
    redirecting = Receiver(statuses=[302], location="").start()
    try:
        redirecting.location = f"http://127.0.0.2:{target.port}/latest/meta-data"
        policy = WebhookPolicy.build(production=True, allowed=["127.0.0.1/32"])  # the first hop only
        result = WebhookSender(policy, timeout_seconds=2).send(redirecting.url, {"n": 1})
        assert not result.ok and result.status_code == 302
        assert "redirects are not followed" in (result.error or "")
        assert len(redirecting.received) == 1 and target.received == []
    finally:
        redirecting.stop()
        target.stop()


def test_an_unreachable_webhook_is_a_retryable_failure() -> None:
    closed = Receiver().start()
    url = closed.url
    closed.stop()
    result = WebhookSender(WebhookPolicy.build(production=False), timeout_seconds=1).send(url, {})
    assert not result.ok and result.retryable and result.status_code is None
    assert (result.error or "").startswith("ConnectError")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://discord.com/api/webhooks/123/tok-en_secret", "https://discord.com/…"),
        ("https://hooks.slack.com/services/T0/B0/XXXX?x=1", "https://hooks.slack.com/…"),
        ("https://example.com", "https://example.com/"),
        ("http://[::1]:8080/hook", "http://[::1]:8080/…"),
        ("not a url at all \x00", "<invalid url>"),
    ],
)
def test_urls_are_masked_for_logs_and_answers(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_the_api_refuses_unsafe_webhooks_in_production(env: Env) -> None:
    settings = env.client.app.state.settings  # type: ignore[attr-defined]
    env.client.app.state.settings = settings.model_copy(update={"ENVIRONMENT": "production"})  # type: ignore[attr-defined]
    user = bearer(env.signup("prod@example.com"))
    for url, reason in (
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::ffff:192.168.0.1]/hook", "private"),
        ("https://localhost:8443/hook", "loopback"),
    ):
        answer = env.client.post("/api/alerts", json={"name": "x", "webhook_url": url}, headers=user)
        assert answer.status_code == 422, url
        error = answer.json()["error"]
        assert error["code"] == "invalid_input" and error["details"][0] == {
            "parameter": "webhook_url",
            "reason": reason,
        }
    answer = env.client.post(
        "/api/alerts", json={"name": "x", "webhook_url": "http://example.com/h"}, headers=user
    )
    assert answer.status_code == 422 and "https" in answer.json()["error"]["message"]
    assert env.client.get("/api/alerts", headers=user).json() == []


def test_a_webhook_refused_at_send_time_pauses_its_alert(env: Env, receiver: Receiver) -> None:
    """Saved while its name pointed elsewhere; now it resolves to loopback: refused, never connected, the
    delivery failed for good and the alert paused with the reason."""
    user = bearer(env.signup("rebind@example.com"))
    url = f"https://rebind.example.com:{receiver.port}/hook"
    alert_id = env.client.post("/api/alerts", json={"name": "x", "webhook_url": url}, headers=user).json()[
        "id"
    ]
    scan_board(env.session_factory, T0 + timedelta(seconds=10), nba())
    env.clock.advance(400)  # past the free plan's delay
    scan_board(env.session_factory, env.clock.now, nba())
    policy = WebhookPolicy.build(production=True, resolver=_resolving(["127.0.0.1"]))
    report = run_job(env.session_factory, env.runtime.settings, env.clock, policy=policy)
    assert report["failed"] == 1 and receiver.received == []
    with env.session_factory() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.status == "paused"
        assert (alert.paused_reason or "").startswith(
            "webhook refused: webhook host 'rebind.example.com' is a loopback"
        )
        (delivery,) = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert_id))
        assert (delivery.status, delivery.attempts) == ("failed", 1)


def test_a_slow_dns_answer_is_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    from fairedge.alerts import ssrf

    def slow(*_args: object, **_kwargs: object) -> list[object]:
        time.sleep(1.0)
        return []

    monkeypatch.setattr(ssrf, "RESOLVE_TIMEOUT_SECONDS", 0.1)
    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.perf_counter()
    with pytest.raises(UnsafeWebhook, match="does not resolve"):
        ssrf.system_resolver("slow.example.com", 443)
    assert time.perf_counter() - started < 0.5
