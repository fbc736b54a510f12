"""``fairedge odds status|resume`` and ``fairedge backfill``: The Odds API feed for its operator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from fairedge.cli.common import fail, load_settings
from fairedge.cli.format import table
from fairedge.cli.users import account_errors
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import utcnow

app = typer.Typer(
    help="The Odds API feed: status (budget, quota, cadence, pause) and resume.", no_args_is_help=True
)


def _feed_status(settings: Settings) -> dict[str, Any]:
    from fairedge.odds.feed import feed_status
    from fairedge.odds.providers.factory import credit_limits
    from fairedge.runtime import Runtime

    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            keys = runtime.odds_api_keys()()
            with session_scope(runtime.session_factory) as session:
                return feed_status(
                    session,
                    limits=credit_limits(settings),
                    keys=keys,
                    probe_seconds=settings.ODDS_API_PROBE_SECONDS,
                    now=utcnow(),
                )
        finally:
            runtime.close()


def _left(part: dict[str, Any]) -> str:
    return "no budget" if part["limit"] is None else f"{part['left']:,} of {part['limit']:,} left"


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print /health/odds-feed's JSON.")] = False,
) -> None:
    """The feed as /health/odds-feed shows it: budget, quota, keys, each sport's cadence and freshness."""
    settings = load_settings()
    if settings.odds_provider != "the_odds_api":
        fail(f"no The Odds API feed: the provider is {settings.odds_provider} (set ODDS_API_KEY)", 1)
    status = _feed_status(settings)
    if as_json:
        typer.echo(json.dumps(status, indent=2))
        return
    typer.echo(f"feed: {status['status']}")
    if status["paused"]:
        pause = status["paused"]
        typer.echo(
            f"paused since {pause['since']} ({pause['reason']}); next probe {pause['next_probe']}; "
            "resume by hand: fairedge odds resume"
        )
    budget = status["budget"]
    typer.echo(f"budget: today {_left(budget['day'])}, this month {_left(budget['month'])}")
    quota = status["quota"]
    typer.echo(
        f"provider quota: remaining {quota['remaining']}, used {quota['used']}, last call {quota['last']}"
    )
    for key in status["keys"]:
        why = f" ({key['reason']} since {key['since']})" if key["reason"] else ""
        typer.echo(f"key {key['ref']}: {key['status']}{why}")
    rows = [
        (
            s["sport"],
            s["reason"],
            f"{s['cadence_seconds']:g}s",
            str(s["events_soon"]),
            s["last_refresh"] or "never",
            f"{s['age_seconds']:.0f}s",
            "STALE" if s["stale"] else "ok",
        )
        for s in status["sports"]
    ]
    if rows:
        header = ("sport", "plan", "cadence", "soon", "last refresh", "age", "fresh")
        for line in table(header, rows, align="llrrlrl"):
            typer.echo(line)


@app.command("resume")
def resume_command() -> None:
    """Poll again now: clear the pause and every refused key (the next refresh finds out)."""
    from fairedge.odds import feed
    from fairedge.runtime import Runtime

    settings = load_settings()
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            with session_scope(runtime.session_factory) as session:
                before = feed.resume(session)
        finally:
            runtime.close()
    if before["paused_since"] is None and not before["refused_keys"]:
        typer.echo("the feed was not paused: nothing to resume")
        return
    refused = len(before["refused_keys"])
    typer.echo(
        f"resumed: the next refresh polls again (paused since {before['paused_since']}, {before['reason']}; "
        f"{refused} refused key(s) cleared)"
    )


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date or time (2026-01-15 or 2026-01-15T18:00)", param_hint=option
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def backfill_command(
    sport: Annotated[str, typer.Option(help="Sport key, e.g. basketball_nba.")],
    start: Annotated[str, typer.Option("--from", help="First snapshot: a UTC date or time (2026-01-15).")],
    end: Annotated[str, typer.Option("--to", help="Last snapshot: a UTC date or time.")],
    every: Annotated[
        float, typer.Option(min=5, help="Minutes between snapshots (the provider keeps one every 5).")
    ] = 60.0,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask: spend the credits (for scripts).")] = False,
) -> None:
    """Store past odds from The Odds API's historical endpoint (paid plans, 10x the credits): shows the cost
    and asks before spending."""
    from fairedge.errors import InvalidInput
    from fairedge.odds.backfill import plan_backfill, run_backfill
    from fairedge.odds.providers.the_odds_api import OddsApiError, TheOddsApiProvider
    from fairedge.runtime import Runtime

    settings = load_settings()
    if settings.odds_provider != "the_odds_api":
        fail("backfill reads The Odds API: set ODDS_API_KEY (or ODDS_PROVIDER=the_odds_api)")
    first, last = _moment(start, "--from"), _moment(end, "--to")
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            provider = runtime.provider
            assert isinstance(provider, TheOddsApiProvider)
            now = runtime.clock()
            try:
                plan = plan_backfill(
                    sport,
                    first,
                    last,
                    timedelta(minutes=every),
                    cost_each=provider.historical_cost(),
                    now=now,
                )
            except InvalidInput as exc:
                fail(exc.message)
            budget = provider.store.budget(now)
            typer.echo(
                f"backfill {sport} from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC: "
                f"{len(plan.moments)} historical snapshot(s), one every {every:g} min, "
                f"{plan.cost_each} credits each (10 x markets x regions): {plan.total_cost:,} credits"
            )
            typer.echo(
                f"budget: today {'no limit' if budget.day_left is None else f'{budget.day_left:,} left'}, "
                f"this month {'no limit' if budget.month_left is None else f'{budget.month_left:,} left'}"
            )
            if budget.left is not None and plan.total_cost > budget.left:
                fail(
                    f"{plan.total_cost:,} credits are over the budget left ({budget.left:,}): shorten the "
                    "range, a longer --every, or a larger ODDS_API_CREDITS_PER_DAY for this run; nothing "
                    "was spent",
                    1,
                )
            if not yes and not typer.confirm(f"spend {plan.total_cost:,} credits?", default=False):
                fail("nothing was spent", 1)

            def progress(at: datetime, snapshot: Any, added: int) -> None:
                typer.echo(
                    f"{at:%Y-%m-%d %H:%M}: snapshot of {snapshot.fetched_at:%H:%M:%S}, {added} events stored"
                )

            try:
                report = run_backfill(
                    runtime.session_factory,
                    provider,
                    plan,
                    sharp=runtime.sharp,
                    now=now,
                    max_quote_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
                    progress=progress,
                )
            except OddsApiError as exc:
                fail(f"backfill stopped: {provider.client.redact(exc.message)}", 1)
        finally:
            runtime.close()
    typer.echo(
        f"done: {report.snapshots} snapshots, {report.events} events added ({report.skipped_known} already "
        f"stored, left as they were), {report.completed} closed as completed, closing lines of "
        f"{report.closing_captured} events captured, {report.credits:,} credits spent"
    )
