"""``fairedge users create-admin|set-plan|list|outbox``: the operator's account tools.

Input is checked by the API's own rules (an e-mail the API would refuse at login is refused here too);
bad input exits with code 2 and a one-line message, other failures with code 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Annotated

import typer
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from fairedge.billing.plans import SOLD_PLANS, sold_plan
from fairedge.billing.service import plans_of
from fairedge.cli.common import fail, load_settings
from fairedge.cli.format import table
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.errors import FairEdgeError, InvalidInput, NotFound
from fairedge.users.mail import OutboxMailSender
from fairedge.users.models import ROLES
from fairedge.users.schemas import Password

app = typer.Typer(
    help="Accounts: bootstrap an admin, grant a plan by hand, list users, read the mail outbox.",
    no_args_is_help=True,
)

_EMAIL = TypeAdapter(EmailStr)
_PASSWORD = TypeAdapter(Password)


@contextmanager
def account_errors(settings: Settings) -> Iterator[None]:
    """The operator's mistakes (unknown user, bad value) exit 2; anything else the command could not do
    exits 1. Database errors show the driver's message only: SQLAlchemy's own text lists the statement's
    parameters, which may hold a password hash."""
    try:
        yield
    except (InvalidInput, NotFound) as exc:
        fail(exc.message)
    except FairEdgeError as exc:
        fail(exc.message, code=1)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        where = make_url(settings.DATABASE_URL).render_as_string(hide_password=True)
        fail(f"cannot use the database at {where}: {reason} (run `fairedge db upgrade`?)", code=1)


def checked_email(value: str) -> str:
    try:
        return str(_EMAIL.validate_python(value.strip()))
    except ValidationError as exc:
        fail(f"--email: {exc.errors()[0]['msg']}")


def _checked_password(value: str) -> str:
    try:
        return str(_PASSWORD.validate_python(value))
    except ValidationError as exc:
        fail(f"password: {exc.errors()[0]['msg']}")  # the message only: the input is the password


def parse_until(text: str) -> datetime:
    """``YYYY-MM-DD``: through the end of that day in UTC (the grant expires at the next midnight UTC).
    Otherwise an RFC 3339 instant with its offset (``2026-03-01T12:00:00Z``, ``…+02:00``)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").date()
            return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        instant = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--until: {text!r} is not a date (YYYY-MM-DD) or an RFC 3339 instant (2026-03-01T12:00:00Z)")
    if instant.tzinfo is None:
        fail(f"--until: {text!r} has no time zone; add Z or an offset such as +02:00")
    return instant.astimezone(UTC)


def _utc(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's e-mail address (created or promoted).")],
    password: Annotated[
        str | None,
        typer.Option(help="10 to 128 characters. Omit it to be asked (keeps it out of the shell history)."),
    ] = None,
) -> None:
    """Create a verified admin, or promote an existing account: its password is set, its sessions end."""
    from fairedge.runtime import Runtime
    from fairedge.users import service

    settings = load_settings()
    address = checked_email(email)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = _checked_password(password)
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            with session_scope(runtime.session_factory) as session:
                user, created = service.create_admin(session, address, password, now=runtime.clock())
                user_id, stored = user.id, user.email
        finally:
            runtime.close()
    if created:
        typer.echo(f"created admin {stored} (id {user_id}), e-mail verified")
    else:
        typer.echo(f"{stored} (id {user_id}) is an admin; its password was set and its sessions ended")


@app.command("set-plan")
def set_plan(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    plan: Annotated[str, typer.Option(help=f"One of {', '.join(SOLD_PLANS)}.")],
    until: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM-DD (through the end of that day, UTC) or an RFC 3339 instant such as "
            "2026-03-01T12:00:00Z. Omit it for a grant without expiry."
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the audit trail.")] = None,
) -> None:
    """Grant a plan by hand, apart from any subscription (it replaces the user's previous grant)."""
    from fairedge.runtime import Runtime
    from fairedge.users import service

    settings = load_settings()
    address = checked_email(email)
    try:
        chosen = sold_plan(plan, settings)
    except InvalidInput as exc:
        fail(f"--plan: {exc.message}; choose one of {', '.join(SOLD_PLANS)}")
    expires = None if until is None else parse_until(until)
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            with session_scope(runtime.session_factory) as session:
                grant = service.grant_plan(
                    session,
                    address,
                    chosen.name,
                    until=expires,
                    actor_id=None,
                    reason=reason,
                    now=runtime.clock(),
                )
                user_id = grant.user_id
        finally:
            runtime.close()
    ends = "without expiry" if expires is None else f"until {_utc(expires)}"
    typer.echo(f"granted {chosen.name} to {address.lower()} (id {user_id}) {ends}")


@app.command("list")
def list_users(
    role: Annotated[str | None, typer.Option(help=f"Only this role: {', '.join(ROLES)}.")] = None,
    email: Annotated[str | None, typer.Option(help="Only addresses containing this text.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show, by id.")] = 100,
) -> None:
    """Users with their role, state and effective plan (the higher of a grant and a subscription)."""
    from fairedge.runtime import Runtime
    from fairedge.users import service

    settings = load_settings()
    if role is not None and role not in ROLES:
        fail(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            now = runtime.clock()
            with session_scope(runtime.session_factory) as session:
                users, total = service.list_users(session, email=email, role=role, offset=0, limit=limit)
                plans = plans_of(session, settings, users, now)
                rows = []
                for user in users:
                    plan, grant = plans[user.id]
                    rows.append(
                        (
                            str(user.id),
                            user.email,
                            user.role,
                            "yes" if user.email_verified_at else "no",
                            _utc(user.disabled_at) if user.disabled_at else "no",
                            plan.name,
                            "-" if grant is None else f"{grant.plan} until {_utc(grant.expires_at)}",
                        )
                    )
        finally:
            runtime.close()
    if not rows:
        typer.echo("no users match")
        return
    header = ("id", "email", "role", "verified", "disabled", "plan", "grant")
    for line in table(header, rows, align="rllllll"):
        typer.echo(line)
    typer.echo(f"{len(rows)} of {total} users")


@app.command("outbox")
def outbox(
    to: Annotated[str | None, typer.Option(help="Only mail to this address.")] = None,
    last: Annotated[int, typer.Option(min=1, help="The newest N messages, printed oldest first.")] = 10,
) -> None:
    """Print the mail the outbox holds (development: no mail server; the links carry live tokens)."""
    from fairedge.runtime import Runtime

    settings = load_settings()
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            mailer = runtime.accounts.mailer
        finally:
            runtime.close()
    if not isinstance(mailer, OutboxMailSender):
        fail(f"mail is sent by {type(mailer).__name__}, not kept in an outbox", code=1)
    messages = mailer.messages(to=to.strip() if to else None)[-last:]
    if not messages:
        whom = f" for {to}" if to else ""
        typer.echo(f"no mail{whom} in the outbox ({mailer.directory})")
        return
    for message in messages:
        typer.echo(_render(message))


def _render(message: EmailMessage) -> str:
    sent = message["Date"].datetime if message["Date"] else None
    body = message.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    return f"=== {_utc(sent)}  to {message['To']}\nSubject: {message['Subject']}\n\n{text.rstrip()}\n"
