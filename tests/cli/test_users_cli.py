"""The operator's account tools: ``fairedge users …``, ``fairedge keys …`` and scripts/rotate_jwt_secrets.py.

Each test gets a migrated database of its own (SQLite file or scratch PostgreSQL database), named in the
environment the CLI reads, because the commands commit for real; the test reads the result back through a
Runtime built from the same settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import make_settings, scratch_pg_database
from fairedge.cli import app
from fairedge.db import migrate
from fairedge.db.engine import session_scope
from fairedge.runtime import Runtime
from fairedge.users import service
from fairedge.users.models import AuditEvent, PlanGrant, User, UserRoleChange
from fairedge.users.security import JWT_SECRET, verify_password

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        migrate.upgrade(url)
        yield url
        return
    with scratch_pg_database("fairedge_cli") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """The environment every command of the test reads, and a Runtime of the same settings."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's tree
    values = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "testing",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LOG_LEVEL": "WARNING",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    built = Runtime.build(make_settings(database_url))
    yield built
    built.close()


def _register(runtime: Runtime, email: str) -> int:
    with session_scope(runtime.session_factory) as session:
        service.register(session, runtime.accounts, email, PASSWORD, now=runtime.clock())
        user = session.scalars(select(User).where(User.email == email)).one()
        return user.id


def _user(runtime: Runtime, email: str) -> User:
    with session_scope(runtime.session_factory) as session:
        return session.scalars(select(User).where(User.email == email)).one()


def _role_changes(runtime: Runtime, user_id: int) -> list[tuple[str | None, str, int | None, str | None]]:
    with session_scope(runtime.session_factory) as session:
        rows = session.scalars(
            select(UserRoleChange).where(UserRoleChange.user_id == user_id).order_by(UserRoleChange.id)
        )
        return [(r.old_role, r.new_role, r.changed_by, r.reason) for r in rows]


def _grants(runtime: Runtime, user_id: int) -> list[PlanGrant]:
    with session_scope(runtime.session_factory) as session:
        return list(
            session.scalars(select(PlanGrant).where(PlanGrant.user_id == user_id).order_by(PlanGrant.id))
        )


# users create-admin


def test_create_admin_creates_a_verified_admin_and_audits_the_role(runtime: Runtime) -> None:
    result = runner.invoke(
        app, ["users", "create-admin", "--email", "Ops@Example.com", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "created admin ops@example.com" in result.output
    user = _user(runtime, "ops@example.com")
    assert user.role == "admin" and user.email_verified_at is not None and user.disabled_at is None
    assert verify_password(user.password_hash, PASSWORD)
    assert _role_changes(runtime, user.id) == [("user", "admin", None, "fairedge users create-admin")]
    listed = runner.invoke(app, ["users", "list", "--role", "admin"])
    assert "ops@example.com  admin  yes" in listed.output and "elite" in listed.output


def test_create_admin_prompts_and_promotes_an_existing_account(runtime: Runtime) -> None:
    user_id = _register(runtime, "analyst@example.com")  # unverified, role user
    prompted = runner.invoke(
        app,
        ["users", "create-admin", "--email", "analyst@example.com"],
        input="a new long password\na new long password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "is an admin; its password was set" in prompted.output
    assert "a new long password" not in prompted.output  # hidden input
    user = _user(runtime, "analyst@example.com")
    assert user.role == "admin" and user.email_verified_at is not None
    assert verify_password(user.password_hash, "a new long password")
    assert _role_changes(runtime, user_id)[-1] == ("user", "admin", None, "fairedge users create-admin")

    again = runner.invoke(
        app, ["users", "create-admin", "--email", "analyst@example.com", "--password", "yet another one"]
    )
    assert again.exit_code == 0, again.output
    assert verify_password(_user(runtime, "analyst@example.com").password_hash, "yet another one")
    assert len(_role_changes(runtime, user_id)) == 2  # registered, promoted: no change the second time


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-address", "--password", PASSWORD], "--email: value is not a valid email"),
        (["--email", "ops@example.com", "--password", "s3cr3t!"], "at least 10 characters"),
        (["--email", "ops@example.com", "--password", "OPS@example.com"], "must not be the e-mail address"),
    ],
)
@pytest.mark.usefixtures("runtime")
def test_create_admin_refuses_bad_input(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["users", "create-admin", *args])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and args[-1] not in result.output  # never the password
    assert runner.invoke(app, ["users", "list"]).output.strip() == "no users match"


@pytest.mark.usefixtures("runtime")
def test_create_admin_refuses_a_short_prompted_password() -> None:
    result = runner.invoke(app, ["users", "create-admin", "--email", "ops@example.com"], input="tiny\ntiny\n")
    assert result.exit_code == 2 and "password: String should have at least 10 characters" in result.output


def test_commands_before_migration_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(
        app, ["users", "create-admin", "--email", "ops@example.com", "--password", PASSWORD]
    )
    assert result.exit_code == 1 and "fairedge db upgrade" in result.output
    assert "Traceback" not in result.output and "$argon2" not in result.output


# users set-plan and list


def test_set_plan_until_a_day_writes_a_grant_through_its_end(runtime: Runtime) -> None:
    user_id = _register(runtime, "pro@example.com")
    result = runner.invoke(
        app,
        [
            "users",
            "set-plan",
            "--email",
            "pro@example.com",
            "--plan",
            "pro",
            "--until",
            "2099-01-31",
            "--reason",
            "support ticket 42",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "granted pro to pro@example.com" in result.output and "until 2099-02-01 00:00:00 UTC" in result.output
    )
    [grant] = _grants(runtime, user_id)
    assert grant.plan == "pro" and grant.granted_by is None and grant.reason == "support ticket 42"
    assert grant.expires_at == datetime(2099, 2, 1, tzinfo=UTC) and grant.revoked_at is None
    with session_scope(runtime.session_factory) as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_granted")).one()
        assert audited.user_id == user_id and audited.actor_id is None
    listed = runner.invoke(app, ["users", "list", "--email", "pro@"])
    row = listed.output.splitlines()[2].split()
    assert row == [
        str(user_id),
        "pro@example.com",
        "user",
        "no",
        "no",
        "pro",
        "pro",
        "until",
        "2099-02-01",
        "00:00:00",
        "UTC",
    ]
    assert "1 of 1 users" in listed.output


def test_set_plan_with_an_instant_replaces_the_previous_grant(runtime: Runtime) -> None:
    user_id = _register(runtime, "elite@example.com")
    assert (
        runner.invoke(app, ["users", "set-plan", "--email", "elite@example.com", "--plan", "pro"]).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "users",
            "set-plan",
            "--email",
            "elite@example.com",
            "--plan",
            "elite",
            "--until",
            "2099-01-31T10:00:00+02:00",
        ],
    )
    assert result.exit_code == 0, result.output
    first, second = _grants(runtime, user_id)
    assert first.plan == "pro" and first.expires_at is None and first.revoked_at is not None
    assert second.plan == "elite" and second.expires_at == datetime(2099, 1, 31, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "pro@example.com", "--plan", "platinum"], "--plan: unknown plan 'platinum'"),
        (["--email", "pro@example.com", "--plan", "local"], "choose one of free, pro, elite"),
        (["--email", "nobody@example.com", "--plan", "pro"], "no user with e-mail nobody@example.com"),
        (["--email", "pro@example.com", "--plan", "pro", "--until", "next week"], "is not a date"),
        (["--email", "pro@example.com", "--plan", "pro", "--until", "2099-01-31T10:00"], "no time zone"),
        (["--email", "pro@example.com", "--plan", "pro", "--until", "2001-01-31"], "must be in the future"),
    ],
)
def test_set_plan_refuses_bad_input(runtime: Runtime, args: list[str], message: str) -> None:
    user_id = _register(runtime, "pro@example.com")
    result = runner.invoke(app, ["users", "set-plan", *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert _grants(runtime, user_id) == []


def test_list_filters_by_role_and_email(runtime: Runtime) -> None:
    for email in ("a@example.com", "b@example.com", "c@example.org"):
        _register(runtime, email)
    assert (
        runner.invoke(
            app, ["users", "create-admin", "--email", "b@example.com", "--password", PASSWORD]
        ).exit_code
        == 0
    )
    by_role = runner.invoke(app, ["users", "list", "--role", "user"])
    assert "a@example.com" in by_role.output and "b@example.com" not in by_role.output
    assert "2 of 2 users" in by_role.output
    by_email = runner.invoke(app, ["users", "list", "--email", ".ORG"])
    assert "c@example.org" in by_email.output and "1 of 1 users" in by_email.output
    assert "3 of 3" in runner.invoke(app, ["users", "list", "--limit", "3"]).output
    assert "1 of 3 users" in runner.invoke(app, ["users", "list", "--limit", "1"]).output
    bad = runner.invoke(app, ["users", "list", "--role", "owner"])
    assert bad.exit_code == 2 and "--role must be one of user, analyst, admin" in bad.output


# users outbox


def test_outbox_prints_a_registered_users_verification_mail(runtime: Runtime) -> None:
    empty = runner.invoke(app, ["users", "outbox"])
    assert empty.exit_code == 0 and "no mail in the outbox" in empty.output
    _register(runtime, "new@example.com")
    _register(runtime, "other@example.com")
    _register(runtime, "new@example.com")  # registered again: a notice instead of a second account
    mine = runner.invoke(app, ["users", "outbox", "--to", "NEW@example.com"])
    assert mine.exit_code == 0, mine.output
    assert mine.output.count("===") == 2 and "to new@example.com" in mine.output
    assert "Subject: Confirm your FairEdge e-mail address" in mine.output
    assert "/verify-email?token=" in mine.output and "other@example.com" not in mine.output
    assert " UTC  to new@example.com" in mine.output  # the date
    newest = runner.invoke(app, ["users", "outbox", "--last", "1"])
    assert newest.output.count("===") == 1 and "You already have a FairEdge account" in newest.output
    assert (
        "no mail for x@example.com" in runner.invoke(app, ["users", "outbox", "--to", "x@example.com"]).output
    )


# keys


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_rotate_jwt_keeps_earlier_tokens_valid_and_signs_with_the_new_key(runtime: Runtime) -> None:
    settings = runtime.settings
    before, _ = runtime.accounts.signer.issue(7, 1, runtime.clock())
    result = runner.invoke(app, ["keys", "rotate-jwt", "--environment", "testing"])
    assert result.exit_code == 0, result.output
    new_kid = result.output.split("new JWT signing key ")[1].split()[0]
    assert new_kid != _kid(before)
    assert f"previous key {_kid(before)} verifies tokens until" in result.output

    after = Runtime.build(settings)  # another process: it reads the rotation from the store
    try:
        claims = after.accounts.signer.verify(before, after.clock())
        assert (claims.user_id, claims.session_version) == (7, 1)
        fresh, _ = after.accounts.signer.issue(7, 1, after.clock())
        assert _kid(fresh) == new_kid
        assert after.accounts.signer.verify(fresh, after.clock()).user_id == 7
        values = [v.value for v in after.secrets.valid(JWT_SECRET)]
    finally:
        after.close()
    listed = runner.invoke(app, ["keys", "list-jwt"])
    assert listed.exit_code == 0 and new_kid in listed.output and _kid(before) in listed.output
    assert listed.output.splitlines()[2].startswith(new_kid) and listed.output.splitlines()[2].endswith("yes")
    for value in values:  # key material is never printed
        assert value not in result.output and value not in listed.output


def test_rotate_jwt_refuses_another_environment(runtime: Runtime) -> None:
    runtime.accounts.signer.issue(7, 1, runtime.clock())
    kids = [v.kid for v in runtime.secrets.valid(JWT_SECRET)]
    result = runner.invoke(app, ["keys", "rotate-jwt", "--environment", "production"])
    assert result.exit_code == 2
    assert "does not match this deployment's ENVIRONMENT (testing); nothing was rotated" in result.output
    runtime.secrets.forget()
    assert [v.kid for v in runtime.secrets.valid(JWT_SECRET)] == kids


@pytest.mark.usefixtures("runtime")
def test_list_jwt_before_any_key() -> None:
    result = runner.invoke(app, ["keys", "list-jwt"])
    assert result.exit_code == 0 and "no JWT signing key yet" in result.output


def test_rotate_jwt_secrets_script_runs_from_the_repository_root(runtime: Runtime) -> None:
    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "scripts/rotate_jwt_secrets.py", *args],
            cwd=REPO,
            env=os.environ.copy(),  # the test's DATABASE_URL and ENVIRONMENT
            capture_output=True,
            text=True,
            timeout=60,
        )

    rotated = script("--environment=testing")
    assert rotated.returncode == 0, rotated.stderr
    assert "new JWT signing key" in rotated.stdout
    new_kid = rotated.stdout.split("new JWT signing key ")[1].split()[0]
    assert runtime.secrets.valid(JWT_SECRET)[0].kid == new_kid
    refused = script("--environment=production")
    assert refused.returncode == 2 and "nothing was rotated" in refused.stderr
    assert "Traceback" not in refused.stderr
