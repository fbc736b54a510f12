"""``fairedge refresh-odds`` and ``fairedge opportunities``."""

from __future__ import annotations

from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import utcnow
from fairedge.odds.models import Event, Sport
from fairedge.odds.repository import latest_refresh
from fairedge.odds.schemas import american
from fairedge.opportunities.models import Opportunity
from fairedge.opportunities.repository import OpportunityFilter


def refresh_odds_command(
    scan: Annotated[bool, typer.Option(help="Rescan opportunities after the refresh.")] = True,
) -> None:
    """Fetch odds once from the configured provider, store them and rescan opportunities."""
    from fairedge.odds import tasks as odds_tasks
    from fairedge.opportunities import tasks as opportunity_tasks
    from fairedge.runtime import Runtime

    settings = load_settings()
    with user_errors():
        runtime = Runtime.build(settings)
        try:
            result = odds_tasks.odds_refresh(runtime.session_factory, runtime.provider, runtime.sharp)
            typer.echo(
                f"refreshed from {runtime.provider.name}: {result['events']} events, "
                f"{result['quotes']} quotes, "
                f"{result['prices_changed']} prices changed, {result['rejected']} rejected"
            )
            if scan:
                found = opportunity_tasks.ev_calculation(runtime.session_factory, runtime.scan)
                typer.echo(f"scan: {found['found']} ({found['seconds']:.3f}s)")
        finally:
            runtime.close()


def opportunities_command(
    kind: Annotated[str | None, typer.Option(help="ev, arbitrage or middle.")] = None,
    sport: Annotated[str | None, typer.Option(help="Sport group, e.g. basketball.")] = None,
    league: Annotated[str | None, typer.Option(help="Sport key, e.g. basketball_nba.")] = None,
    min_ev: Annotated[float | None, typer.Option(help="Minimum EV in percent, e.g. 2 for 2%.")] = None,
    method: Annotated[str | None, typer.Option(help="Devig method (default: the first configured).")] = None,
    sort: Annotated[str, typer.Option(help="ev, start_time, age or first_seen.")] = "ev",
    limit: Annotated[int, typer.Option(min=1, max=500, help="Rows to show.")] = 20,
) -> None:
    """Show the top active opportunities as a table."""
    from fairedge.opportunities import service
    from fairedge.runtime import Runtime

    settings = load_settings()
    if kind not in (None, "ev", "arbitrage", "middle"):
        fail(f"--kind must be ev, arbitrage or middle, not {kind!r}")
    if sort not in ("ev", "start_time", "age", "first_seen"):
        fail(f"--sort must be ev, start_time, age or first_seen, not {sort!r}")
    chosen = method or settings.SCAN_DEVIG_METHODS[0]
    if chosen not in settings.SCAN_DEVIG_METHODS:
        fail(
            f"--method {chosen!r} is not computed here; "
            f"SCAN_DEVIG_METHODS is {','.join(settings.SCAN_DEVIG_METHODS)}"
        )
    filters = OpportunityFilter(
        kind=kind, sport=sport, league=league, min_ev=None if min_ev is None else min_ev / 100, method=chosen
    )
    with user_errors():
        runtime = Runtime.build(settings)
        try:
            with session_scope(runtime.session_factory) as session:
                rows, total = service.list_opportunities(session, filters, sort=sort, offset=0, limit=limit)
                lines = [_row(o, e, s) for o, e, s in rows]
                refreshed = latest_refresh(session)
        except Exception as exc:
            fail(
                f"cannot read opportunities from {settings.DATABASE_URL}: {exc} (run `fairedge db upgrade`?)",
                1,
            )
        finally:
            runtime.close()
    if refreshed is None:
        typer.echo("no odds stored yet: start `fairedge run`, or fetch once with `fairedge refresh-odds`")
        return
    if not lines:
        typer.echo(f"no active opportunities match (odds last refreshed {refreshed:%Y-%m-%d %H:%M:%S} UTC)")
        return
    header = ("kind", "EV%", "bet", "book", "odds", "fair", "Kelly%", "event", "starts", "age")
    table = [header, *lines]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        typer.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    typer.echo(
        f"{len(lines)} of {total} active opportunities, fair line: {chosen}, at {utcnow():%H:%M:%S} UTC"
    )


def _row(opp: Opportunity, event: Event, sport: Sport) -> tuple[str, ...]:
    fair = f"{1 / opp.fair_prob:.2f}" if opp.kind == "ev" and opp.fair_prob else "-"
    kelly = f"{opp.kelly * 100:.1f}" if opp.kelly is not None else "-"
    point = (
        "" if opp.point is None else f" {opp.point:+g}" if opp.market_key == "spreads" else f" {opp.point:g}"
    )
    return (
        opp.kind,
        f"{opp.ev * 100:.2f}",
        f"{opp.market_key} {opp.outcome}{point}"[:40],
        opp.bookmaker[:32],
        f"{opp.price:.2f} ({_fmt_american(american(opp.price))})",
        fair,
        kelly,
        f"{sport.title}: {event.away_team} @ {event.home_team}"[:50],
        f"{event.commence_time:%m-%d %H:%M}",
        f"{opp.quote_age_seconds:.0f}s",
    )


def _fmt_american(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"
