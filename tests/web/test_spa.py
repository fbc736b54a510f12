"""The built web app served by the API process: its files, deep links answered with index.html, the API's 404s
kept as JSON, and caching fit for hashed assets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import fairedge.app
from fairedge.app import create_app
from fairedge.config import Settings
from fairedge.runtime import Runtime

INDEX = "<!doctype html><title>FairEdge</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    monkeypatch.setattr(fairedge.app, "WEB_DIST", tmp_path)
    return tmp_path


@pytest.fixture
def client(engine: Engine, dist: Path) -> Iterator[TestClient]:
    assert dist == fairedge.app.WEB_DIST  # create_app decides on the build it finds there
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(_env_file=None, ENVIRONMENT="testing", DATABASE_URL=url)
    with TestClient(create_app(settings, runtime=Runtime.build(settings))) as c:
        yield c


def test_root_serves_the_app(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/events/12", "/login?next=%2Farbitrage", "/account/keys", "/arbitrage"])
def test_deep_links_serve_index_html(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")


def test_hashed_assets_are_cached_for_good(client: TestClient) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_other_files_are_served_as_they_are(client: TestClient) -> None:
    response = client.get("/favicon.svg")
    assert response.status_code == 200 and response.text == "<svg/>"
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/health/no-such-check", "/assets/gone-123.js"])
def test_api_and_missing_assets_keep_their_json_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_routes_still_answer(client: TestClient) -> None:
    assert client.get("/api/sports").status_code == 200
    assert client.get("/health").headers["content-type"].startswith("application/json")


def test_a_post_to_an_unknown_path_is_not_the_app(client: TestClient) -> None:
    assert client.post("/events/12").status_code in (404, 405)


def test_without_a_build_the_root_describes_the_api(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fairedge.app, "WEB_DIST", tmp_path / "missing")
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(_env_file=None, ENVIRONMENT="testing", DATABASE_URL=url)
    with TestClient(create_app(settings, runtime=Runtime.build(settings))) as c:
        body = c.get("/").json()
    assert body["opportunities"] == "/api/opportunities"
    assert c.get("/events/12").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("GET", "/api/auth/login", "POST"), ("POST", "/api/opportunities", "GET"), ("DELETE", "/api/me", "GET")],
)
def test_an_api_path_under_another_method_is_405_with_allow(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
