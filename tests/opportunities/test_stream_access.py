"""Who sees what on the live stream (real server, both databases): the free plan's kinds, markets, cap and
delay as the list applies them (a new +EV bet is opened only once the delay is over), a filter's meaning as
the list's, and the credentials: none refused where the list refuses them, an access token in a header or in
the ``access_token`` query parameter (never logged), an API key never in a URL."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from stream_harness import STREAM, served, sse
from structlog.testing import capture_logs

from accounts_env import PASSWORD, verified_user


def test_the_free_plan_sees_its_kinds_and_gets_new_ones_after_the_delay(
    db_backend: str, tmp_path: Path
) -> None:
    with served(db_backend, tmp_path, ANONYMOUS_PLAN="free", STREAM_HEARTBEAT_SECONDS=0.2) as app:
        app.refresh_and_scan(epl=False)
        app.clock.advance(301)  # the NBA game's opportunities are past the free plan's delay
        app.refresh_and_scan(epl=False)
        with sse(app.base + STREAM) as stream:
            snapshot = stream.next()
            listed = app.list()
            assert snapshot.data["items"] == listed["items"]
            assert snapshot.data["hidden"] == listed["hidden"]
            assert {(i["kind"], i["market"]) for i in snapshot.data["items"]} == {("ev", "h2h")}
            assert "kind" in {r["reason"] for r in snapshot.data["hidden"]["reasons"]}

            app.clock.advance(10)
            app.refresh_and_scan()  # the EPL game: new opportunities; free sees its h2h +EV bet later
            # NBA confirmed again; EPL held, and the client told what the plan now withholds.
            confirmed, hidden = stream.quiet(1.0)
            assert (confirmed.name, hidden.name) == ("confirmed", "hidden")
            assert hidden.data == app.list()["hidden"]
            assert {r["reason"]: r["count"] for r in hidden.data["reasons"]}["delay"] == 1

            app.clock.advance(299)
            assert stream.quiet(0.6) == []
            app.clock.advance(2)
            opened = stream.next(3)
            assert opened.name == "opened"
            assert opened.data["event"]["league"] == "soccer_epl" and opened.data["kind"] == "ev"
            assert opened.data["id"] in {i["id"] for i in app.list()["items"]}
            assert opened.data["quote_age_seconds"] == 301.0  # computed when sent
            hidden = stream.next(3)  # the delay is over: nothing held back for it any more
            assert hidden.name == "hidden" and hidden.data == app.list()["hidden"]
            assert "delay" not in {r["reason"] for r in hidden.data["reasons"]}


def test_a_filter_means_what_it_means_on_the_list(db_backend: str, tmp_path: Path) -> None:
    with served(db_backend, tmp_path) as app:
        app.refresh_and_scan()
        params = {"kind": "arbitrage", "sport": "soccer"}
        with sse(app.base + STREAM + "?kind=arbitrage&sport=soccer&limit=1") as stream:
            snapshot = stream.next()
            assert snapshot.data["items"] == app.list({**params, "limit": 1})["items"]
        with sse(app.base + STREAM + "?kind=ev&min_profit_margin=0.01") as refused:
            assert refused.status == 422  # the list's refusal: the filter applies to none of the kinds


def _stream_line(logs: list[MutableMapping[str, Any]]) -> bool:
    return any(line["event"] == "request" and line.get("endpoint") == STREAM for line in logs)


def test_credentials_in_a_header_or_the_query_and_never_logged(db_backend: str, tmp_path: Path) -> None:
    with served(db_backend, tmp_path, ANONYMOUS_PLAN="none") as app:
        app.refresh_and_scan()
        with app.runtime.session_factory() as session:
            verified_user(session, "fan@example.com", app.clock.now, plan="pro")
            session.commit()
        login = httpx.post(
            f"{app.base}/api/auth/login", json={"email": "fan@example.com", "password": PASSWORD}, timeout=10
        )
        token = login.json()["access_token"]

        assert httpx.get(app.base + STREAM, timeout=10).status_code == 401
        with sse(app.base + STREAM, Authorization=f"Bearer {token}") as stream:
            assert stream.next().data["hidden"]["plan"] == "pro"
        with capture_logs() as logs:
            with sse(f"{app.base}{STREAM}?access_token={token}") as stream:
                snapshot = stream.next()
                assert snapshot.data["hidden"]["plan"] == "pro"
                assert {i["kind"] for i in snapshot.data["items"]} <= {"ev", "arbitrage"}
            # The request's line is written once the server sees the client gone: wait for it.
            deadline = time.monotonic() + 10
            while not _stream_line(logs) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert _stream_line(logs) and token not in repr(logs)
        api_key_in_url = httpx.get(f"{app.base}{STREAM}?access_token=fe_{'x' * 40}", timeout=10)
        assert api_key_in_url.status_code == 422
        assert api_key_in_url.json()["error"]["details"] == [{"parameter": "access_token"}]
        expired = timedelta(hours=2)
        app.clock.advance(expired.total_seconds())
        assert httpx.get(f"{app.base}{STREAM}?access_token={token}", timeout=10).status_code == 401
