"""The operator's Stripe tools: ``fairedge billing …`` and scripts/update_stripe_secrets.py, on a migrated
database of their own (SQLite file or scratch PostgreSQL), because the commands commit for real."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import make_settings, scratch_pg_database
from fairedge.billing.models import Subscription
from fairedge.billing.webhooks import WEBHOOK_SECRET
from fairedge.cli import app
from fairedge.db import migrate
from fairedge.db.engine import session_scope
from fairedge.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
OLD = "whsec_test_old_0123456789abcdef"
NEW = "whsec_test_new_fedcba9876543210"
runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        migrate.upgrade(url)
        yield url
        return
    with scratch_pg_database("fairedge_billing_cli") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "testing",
        "LOG_LEVEL": "WARNING",
        "STRIPE_WEBHOOK_SECRET": OLD,
    }.items():
        monkeypatch.setenv(key, value)
    built = Runtime.build(make_settings(database_url, SECRETS_CACHE_SECONDS=0))
    yield built
    built.close()


def test_a_rotation_keeps_the_configured_secret_valid_until_it_retires(runtime: Runtime) -> None:
    result = runner.invoke(
        app, ["billing", "rotate-webhook-secret", "--old-valid-hours", "24"], input=NEW + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "new Stripe webhook secret" in result.output and "verifies until" in result.output
    assert NEW not in result.output and OLD not in result.output
    versions = runtime.secrets.valid(WEBHOOK_SECRET)
    assert [v.value for v in versions] == [NEW, OLD]  # the environment's secret was seeded first
    new, old = versions
    assert new.retire_at is None
    assert old.retire_at is not None
    assert abs(old.retire_at - (new.created_at + timedelta(hours=24))) < timedelta(seconds=5)

    listed = runner.invoke(app, ["billing", "webhook-secrets"])
    assert listed.exit_code == 0
    assert new.kid in listed.output and old.kid in listed.output
    assert NEW not in listed.output and OLD not in listed.output


def test_a_rotation_with_no_overlap_retires_the_old_secret_at_once(runtime: Runtime) -> None:
    result = runner.invoke(app, ["billing", "rotate-webhook-secret", "--old-valid-hours", "0"], input=NEW)
    assert result.exit_code == 0, result.output
    assert [v.value for v in runtime.secrets.valid(WEBHOOK_SECRET)] == [NEW]


@pytest.mark.parametrize(
    ("given", "message"), [(OLD, "valid already"), ("sk_live_oops", "starts with whsec_"), ("", "no secret")]
)
def test_a_rotation_refuses_what_is_not_a_new_webhook_secret(
    runtime: Runtime, given: str, message: str
) -> None:
    result = runner.invoke(app, ["billing", "rotate-webhook-secret"], input=given)
    assert result.exit_code == 2
    assert message in result.output
    assert [v.value for v in runtime.secrets.valid(WEBHOOK_SECRET)] in ([], [OLD])


def test_a_rotation_for_another_deployment_is_refused(runtime: Runtime) -> None:
    result = runner.invoke(
        app, ["billing", "rotate-webhook-secret", "--environment", "production"], input=NEW
    )
    assert result.exit_code == 2
    assert "does not match" in result.output
    assert runtime.secrets.valid(WEBHOOK_SECRET) == []


def test_status_says_whether_billing_is_on_and_counts_subscriptions(runtime: Runtime) -> None:
    now = runtime.clock()
    with session_scope(runtime.session_factory) as session:
        for n, status in enumerate(("active", "active", "canceled")):
            session.add(
                Subscription(
                    subscription_id=f"sub_{n}",
                    customer_id=f"cus_{n}",
                    status=status,
                    plan="pro",
                    cancel_at_period_end=False,
                    last_event_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    result = runner.invoke(app, ["billing", "status"])
    assert result.exit_code == 0, result.output
    assert "billing off (no STRIPE_SECRET_KEY)" in result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["pro", "active", "2"] in lines and ["pro", "canceled", "1"] in lines


def test_the_update_stripe_secrets_script_runs_from_the_repository_root(
    runtime: Runtime, tmp_path: Path
) -> None:
    secret_file = tmp_path / "whsec"
    secret_file.write_text(NEW + "\n", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "scripts/update_stripe_secrets.py",
            f"--secret-file={secret_file}",
            "--old-valid-hours=1",
        ],
        cwd=REPO,
        env=os.environ.copy(),  # the test's DATABASE_URL, ENVIRONMENT and STRIPE_WEBHOOK_SECRET
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert NEW not in run.stdout + run.stderr
    assert [v.value for v in runtime.secrets.valid(WEBHOOK_SECRET)] == [NEW, OLD]
