"""The accounts test harness: the real app on the test's database, its mail outbox and a fake clock.

Imported by the account tests (fixtures ``make_env`` and ``env``), like ``factories``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conftest import make_settings
from factories import T0, FakeClock
from fairedge.app import create_app
from fairedge.runtime import Runtime
from fairedge.users import service
from fairedge.users.mail import OutboxMailSender
from fairedge.users.models import User
from fairedge.users.security import hash_password

PASSWORD = "correct horse battery"


@dataclass
class Env:
    client: TestClient
    runtime: Runtime
    clock: FakeClock
    outbox: OutboxMailSender
    session_factory: sessionmaker[Session]

    def token_from_mail(self, to: str, purpose: str) -> str:
        path = "verify-email" if purpose == "verify" else "reset-password"
        body = self.outbox.messages(to=to)[-1].get_content()
        found = re.search(rf"/{path}\?token=([A-Za-z0-9_\-]+)", body)
        assert found, body
        return found.group(1)

    def signup(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        assert (
            self.client.post("/api/auth/register", json={"email": email, "password": password}).status_code
            == 202
        )
        token = self.token_from_mail(email, "verify")
        assert self.client.post("/api/auth/verify-email", json={"token": token}).status_code == 200
        return self.login(email, password)

    def login(self, email: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        answer = self.client.post("/api/auth/login", json={"email": email, "password": password, **extra})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def admin(self, email: str = "root@example.com") -> dict[str, Any]:
        with self.session_factory() as session:
            service.create_admin(session, email, PASSWORD, now=self.clock())
            session.commit()
        return self.login(email)

    def grant(self, email: str, plan: str) -> None:
        with self.session_factory() as session:
            service.grant_plan(
                session, email, plan, until=None, actor_id=None, reason="test", now=self.clock()
            )
            session.commit()


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def make_env(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Env]]:
    clients: list[TestClient] = []

    def build(**overrides: Any) -> Env:
        clock = FakeClock(T0)
        settings = make_settings(database_url, MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), **overrides)
        runtime = Runtime.assemble(settings, engine, session_factory, clock=clock)
        monkeypatch.setattr(runtime, "close", lambda: None)  # the session-scoped engine outlives the app
        client = TestClient(create_app(settings, runtime=runtime))
        client.__enter__()
        clients.append(client)
        mailer = runtime.accounts.mailer
        assert isinstance(mailer, OutboxMailSender)
        return Env(client, runtime, clock, mailer, session_factory)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    return make_env()


def verified_user(
    session: Session, email: str, now: datetime, *, plan: str | None = None, password: str = PASSWORD
) -> int:
    """A verified user (straight into the table: registration has its own tests), with a granted plan."""
    user = User(
        email=email, password_hash=hash_password(password), role="user", created_at=now, email_verified_at=now
    )
    session.add(user)
    session.flush()
    if plan is not None:
        service.grant_plan(session, email, plan, until=None, actor_id=None, reason="test", now=now)
    return user.id
