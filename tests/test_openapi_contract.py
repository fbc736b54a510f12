"""The OpenAPI schema is exact: schemathesis, every check, over every operation of the running app.

The app is served (uvicorn, in a thread) on a database seeded by simulator refreshes and scans, so lists,
boards and histories have content and ids lead somewhere. ``schemathesis run`` then drives it as from the
repository root (``schemathesis.toml`` loads ``tests/openapi_hooks.py``): fixed seed, deterministic
generation, a bounded number of examples per operation. Any finding fails the test. The tests after it pin
the gaps schemathesis found, so they stay closed whatever it happens to generate.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conftest import make_settings
from factories import T0, FakeClock
from fairedge.app import create_app
from fairedge.odds.providers.simulator import SimulatorProvider
from fairedge.odds.service import refresh_odds
from fairedge.opportunities.service import run_scan
from fairedge.pricing.devig import METHODS
from fairedge.runtime import Runtime
from fairedge.users import service as users

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_ADMIN = "contract-admin@example.com"
CONTRACT_PASSWORD = "contract password 1"
SEED = 20260115
MAX_EXAMPLES = 15  # per operation and phase: enough to find every gap seen so far, and under a minute


def _runtime(engine: Engine, session_factory: sessionmaker[Session], database_url: str) -> Runtime:
    settings = make_settings(database_url)
    runtime = Runtime.assemble(settings, engine, session_factory, clock=FakeClock(T0))
    runtime.close = lambda: None  # type: ignore[method-assign]  # the session-scoped engine outlives the app
    return runtime


@pytest.fixture
def client(engine: Engine, session_factory: sessionmaker[Session], database_url: str) -> Iterator[TestClient]:
    runtime = _runtime(engine, session_factory, database_url)
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


@pytest.fixture
def server(engine: Engine, session_factory: sessionmaker[Session], database_url: str) -> Iterator[str]:
    runtime = _runtime(engine, session_factory, database_url)
    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    provider = SimulatorProvider(SEED, n_events=16, clock=clock)
    with session_factory() as session:
        for _ in range(3):
            refresh_odds(session, provider, sharp=runtime.sharp)
            run_scan(session, runtime.scan, now=clock())
            clock.advance(30)
        # The run is authenticated as an admin, so every operation is reached past its access checks.
        users.create_admin(session, CONTRACT_ADMIN, CONTRACT_PASSWORD, now=clock())
        session.commit()
    config = uvicorn.Config(
        create_app(runtime.settings, runtime=runtime),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, name="contract-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = served.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=30)


def test_schemathesis_finds_nothing(server: str) -> None:
    # A realistic database: the lists the generated requests filter are not empty.
    assert httpx.get(f"{server}/api/events").json()["page"]["total"] > 0
    assert httpx.get(f"{server}/api/opportunities").json()["page"]["total"] > 0
    login = httpx.post(
        f"{server}/api/auth/login", json={"email": CONTRACT_ADMIN, "password": CONTRACT_PASSWORD}
    )
    token = login.json()["access_token"]

    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server}/openapi.json",
        "--checks=all",
        f"--seed={SEED}",
        "--generation-deterministic",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=1",
        "--no-color",
        f"--header=Authorization: Bearer {token}",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)

    operations = sum(len(ops) for ops in httpx.get(f"{server}/openapi.json").json()["paths"].values())
    assert operations >= 50  # the schema's operations, counted so a new route is driven too
    selected = f"Selected: {operations}/{operations}"
    assert selected in run.stdout, run.stdout + run.stderr  # every operation, none skipped
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout}\n{run.stderr}"


def test_schema_documents_fairedge_errors(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # FastAPI's shape is never sent
    assert schema["components"]["schemas"]["DevigMethod"]["enum"] == list(METHODS)
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            codes = ["503"] if path.startswith("/api/") else []  # every read goes to the database
            codes += ["422"] if parameters else []
            codes += ["404"] if any(p["in"] == "path" for p in parameters) else []
            for code in codes:
                assert operation["responses"][code]["content"]["application/json"]["schema"] == error, path
    for path in ("/health", "/health/database", "/health/redis"):  # 503 with the health body, not an error
        assert "503" in schema["paths"][path]["get"]["responses"], path


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/events?commence_to=0.5", "commence_to"),  # Unix time, which pydantic alone would take
        ("/api/events?commence_from=2026-01-15T18:00:00", "commence_from"),  # no offset
        ("/api/events?commence_from=2026-01-15", "commence_from"),
        ("/api/events/1/odds?method=logit", "method"),  # an alias, not a name of the enum
        ("/api/events/2147483648/odds", "event_id"),  # beyond PostgreSQL's integer: was a 500 there
        ("/api/opportunities?event_id=2147483648", "event_id"),
        ("/api/events?sport=a%00b", "sport"),  # NUL, which PostgreSQL text cannot hold: was a 500 there
        ("/api/opportunities?bookmaker=%1F", "bookmaker"),
    ],
)
def test_values_outside_the_schema_are_refused_with_fairedge_errors(
    client: TestClient, url: str, parameter: str
) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["parameter"] for d in error["details"]] == [parameter]
    assert {"location", "message", "type"} <= set(error["details"][0])


@pytest.mark.parametrize(
    "query",
    [
        "commence_to=9999-12-31T23:59:59-23:00",
        "commence_from=0001-01-01T00:00:00%2B05:00",
        "commence_to=2026-01-15t18:00:00z",
    ],
)
def test_any_rfc3339_instant_is_a_bound(client: TestClient, query: str) -> None:
    assert client.get(f"/api/events?{query}").status_code == 200


def test_method_not_computed_here_is_the_documented_refusal(client: TestClient) -> None:
    # tests/openapi_hooks.py excuses exactly this answer (a schema-valid method) from schemathesis' ST202.
    response = client.get("/api/opportunities", params={"method": "additive"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"] == [
        {"parameter": "method", "allowed": ["shin", "multiplicative", "power", "worst_case"]}
    ]


def test_405_says_which_methods_are_allowed(client: TestClient) -> None:
    response = client.request("TRACE", "/api/sports")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": "Method Not Allowed", "details": None}
    }
