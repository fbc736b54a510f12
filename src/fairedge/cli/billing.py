"""``fairedge billing rotate-webhook-secret|webhook-secrets|status``: Stripe webhook secrets, subscriptions.

A rotation stores the new webhook signing secret in the secrets store, where every API process reads it
within ``SECRETS_CACHE_SECONDS`` (no restart); the secrets valid before keep verifying for
``--old-valid-hours`` (Stripe's "roll secret" keeps the old one signing for up to 24 hours), then retire.
Secret values are never printed: only versions (kid) and times.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings
from fairedge.cli.format import table
from fairedge.cli.users import account_errors

app = typer.Typer(
    help="Stripe billing: rotate and list the webhook signing secrets (never their values), subscriptions.",
    no_args_is_help=True,
)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _new_secret(secret_file: Path | None) -> str:
    """From the file, else standard input when it is not a terminal, else a hidden prompt: never from the
    command line, where the shell's history and ``ps`` would keep it."""
    if secret_file is not None:
        try:
            text = secret_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"cannot read --secret-file: {exc.strerror}")
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        text = typer.prompt("New Stripe webhook signing secret (whsec_…)", hide_input=True)
    secret = text.strip()
    if not secret:
        fail("no secret given: nothing was rotated")
    if not secret.startswith("whsec_") or not secret.isascii() or not secret.isprintable() or " " in secret:
        fail("a Stripe webhook signing secret starts with whsec_ (Developers > Webhooks > Signing secret)")
    return secret


@app.command("rotate-webhook-secret")
def rotate_webhook_secret(
    secret_file: Annotated[
        Path | None,
        typer.Option(help="Read the new secret from this file instead of stdin or a hidden prompt."),
    ] = None,
    old_valid_hours: Annotated[
        float,
        typer.Option(
            min=0,
            max=24 * 7,
            help="How long the secrets valid until now keep verifying (as Stripe's expiry of the old one).",
        ),
    ] = 24.0,
    environment: Annotated[
        str | None,
        typer.Option(help="The deployment you mean to change; when given, it must equal ENVIRONMENT."),
    ] = None,
) -> None:
    """Store a new Stripe webhook signing secret: every API process verifies with it within seconds, no
    restart; the old one keeps verifying for --old-valid-hours."""
    from fairedge.billing.webhooks import WEBHOOK_SECRET, webhook_secrets
    from fairedge.runtime import Runtime

    settings = load_settings()
    if environment is not None and environment != settings.ENVIRONMENT:
        fail(
            f"--environment {environment} does not match this deployment's ENVIRONMENT "
            f"({settings.ENVIRONMENT}); nothing was rotated"
        )
    secret = _new_secret(secret_file)
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            store = runtime.secrets
            if secret in webhook_secrets(
                store, settings
            ):  # seeds STRIPE_WEBHOOK_SECRET first: it stays valid
                fail("this secret is valid already: nothing was rotated")
            version = store.rotate(WEBHOOK_SECRET, secret, grace=timedelta(hours=old_valid_hours))
            older = [v for v in store.valid(WEBHOOK_SECRET) if v.kid != version.kid]
        finally:
            runtime.close()
    typer.echo(
        f"new Stripe webhook secret {version.kid} ({settings.ENVIRONMENT}); every API process verifies "
        f"with it within {settings.SECRETS_CACHE_SECONDS:g} s"
    )
    if not older:
        typer.echo("no earlier secret stays valid")
    for old in older:
        until = "-" if old.retire_at is None else _utc(old.retire_at)
        typer.echo(f"previous secret {old.kid} verifies until {until}")


@app.command("webhook-secrets")
def list_webhook_secrets() -> None:
    """The Stripe webhook secrets valid now (versions and times, never values), newest first."""
    from fairedge.billing.webhooks import WEBHOOK_SECRET, webhook_secrets
    from fairedge.runtime import Runtime

    settings = load_settings()
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            webhook_secrets(runtime.secrets, settings)
            versions = runtime.secrets.valid(WEBHOOK_SECRET)
        finally:
            runtime.close()
    if not versions:
        typer.echo(
            "no Stripe webhook secret: set STRIPE_WEBHOOK_SECRET or run "
            "fairedge billing rotate-webhook-secret"
        )
        return
    rows = [(v.kid, _utc(v.created_at), "-" if v.retire_at is None else _utc(v.retire_at)) for v in versions]
    for line in table(("kid", "created", "retires"), rows, align="lll"):
        typer.echo(line)


@app.command("status")
def billing_status() -> None:
    """Whether billing is on, and subscriptions per plan and status (what fairedge_subscriptions exports)."""
    from fairedge.billing.subscriptions import SubscriptionGauges
    from fairedge.runtime import Runtime

    settings = load_settings()
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            counts = SubscriptionGauges(runtime.session_factory, settings, runtime.clock).counts()
        finally:
            runtime.close()
    state = "on" if settings.STRIPE_SECRET_KEY is not None else "off (no STRIPE_SECRET_KEY)"
    typer.echo(f"billing {state}; grace period {settings.STRIPE_GRACE_DAYS:g} days")
    rows = [(plan, status, str(n)) for (plan, status), n in sorted(counts.items()) if n]
    if not rows:
        typer.echo("no subscriptions")
        return
    for line in table(("plan", "status", "subscriptions"), rows, align="llr"):
        typer.echo(line)
