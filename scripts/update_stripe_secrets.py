#!/usr/bin/env python
"""Set a new Stripe webhook signing secret in the running deployment, without a restart.

    python scripts/update_stripe_secrets.py                                  # prompts (hidden)
    printf '%s' "$WHSEC" | python scripts/update_stripe_secrets.py --old-valid-hours 24
    python scripts/update_stripe_secrets.py --secret-file /run/secrets/stripe_whsec

``fairedge billing rotate-webhook-secret`` under the operations guide's name: the same options and output.
The new secret verifies in every API process within SECRETS_CACHE_SECONDS; the old one keeps verifying for
``--old-valid-hours`` (default 24, as Stripe's "roll secret"), then retires. Needs a Python with FairEdge
installed (``.venv/bin/python`` or the image's ``python``) and the deployment's settings.
"""

from pathlib import Path
from typing import Annotated

import typer

from fairedge.cli.billing import rotate_webhook_secret


def update_stripe_secrets(
    secret_file: Annotated[
        Path | None,
        typer.Option(help="Read the new secret from this file instead of stdin or a hidden prompt."),
    ] = None,
    old_valid_hours: Annotated[
        float,
        typer.Option(min=0, max=24 * 7, help="How long the secrets valid until now keep verifying."),
    ] = 24.0,
    environment: Annotated[
        str | None,
        typer.Option(help="The deployment you mean to change; when given, it must equal ENVIRONMENT."),
    ] = None,
) -> None:
    """Store a new Stripe webhook signing secret; the old one keeps working until it retires."""
    rotate_webhook_secret(secret_file=secret_file, old_valid_hours=old_valid_hours, environment=environment)


if __name__ == "__main__":
    script = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    script.command()(update_stripe_secrets)
    script(prog_name="update_stripe_secrets.py")
