"""``fairedge refresh-odds`` and ``fairedge opportunities``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from fairedge.billing.plans import plans
from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.cli.format import parse_rate, percent, table
from fairedge.db.engine import session_scope
from fairedge.errors import InvalidInput
from fairedge.kit.timeutil import utcnow
from fairedge.odds import service as odds_service
from fairedge.odds.models import Event, Sport
from fairedge.odds.quotes import SPREAD_KEYS
from fairedge.odds.schemas import american
from fairedge.opportunities.models import KINDS, Opportunity
from fairedge.opportunities.service import SORT_ORDERS, OpportunityFilter


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
            result = odds_tasks.odds_refresh(
                runtime.session_factory,
                runtime.provider,
                runtime.sharp,
                max_quote_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
                clock=runtime.clock,
            )
            if "paused" in result:
                fail(f"{runtime.provider.name} is paused ({result['paused']}): see fairedge odds status", 1)
            typer.echo(
                f"refreshed from {runtime.provider.name}: {result['events']} events, "
                f"{result['quotes']} quotes, "
                f"{result['prices_changed']} prices changed, {result['rejected']} rejected"
            )
            if scan:
                found = opportunity_tasks.ev_calculation(
                    runtime.session_factory, runtime.scan, runtime.clock, runtime.cache, runtime.changes
                )
                typer.echo(f"scan: {found['found']} ({found['seconds']:.3f}s)")
        finally:
            runtime.close()


def opportunities_command(
    kind: Annotated[
        list[str] | None, typer.Option(help="ev, arbitrage or middle (repeatable; all when absent).")
    ] = None,
    sport: Annotated[str | None, typer.Option(help="Sport group, e.g. basketball.")] = None,
    league: Annotated[str | None, typer.Option(help="Sport key, e.g. basketball_nba.")] = None,
    market: Annotated[str | None, typer.Option(help="Market key: h2h, spreads, totals…")] = None,
    bookmaker: Annotated[str | None, typer.Option(help="Any leg at this book.")] = None,
    min_ev: Annotated[
        str | None, typer.Option(help="Minimum EV of +EV bets and middles: 0.02 or 2%.")
    ] = None,
    min_profit_margin: Annotated[
        str | None, typer.Option(help="Minimum arbitrage profit margin: 0.01 or 1%.")
    ] = None,
    max_age: Annotated[
        float | None, typer.Option(min=0, help="Quotes confirmed at most this many seconds ago.")
    ] = None,
    method: Annotated[str | None, typer.Option(help="Devig method (default: the first configured).")] = None,
    sort: Annotated[str, typer.Option(help="ev, profit_margin, start_time, age or first_seen.")] = "ev",
    limit: Annotated[int, typer.Option(min=1, max=500, help="Rows to show.")] = 20,
) -> None:
    """Show the top active opportunities as a table (the same filters as /api/opportunities)."""
    from fairedge.opportunities import service
    from fairedge.runtime import Runtime

    settings = load_settings()
    unknown = [k for k in kind or () if k not in KINDS]
    if unknown:
        fail(f"--kind must be ev, arbitrage or middle, not {unknown[0]!r}")
    if sort not in SORT_ORDERS:
        fail(f"--sort must be one of {', '.join(SORT_ORDERS)}, not {sort!r}")
    try:
        chosen = service.choose_method(method, settings.SCAN_DEVIG_METHODS)
    except InvalidInput as exc:
        fail(f"--method: {exc.message}")
    filters = OpportunityFilter(
        kinds=tuple(dict.fromkeys(kind or ())),
        sport=sport,
        league=league,
        market=market,
        bookmaker=bookmaker,
        min_ev=None if min_ev is None else parse_rate(min_ev, "--min-ev"),
        min_profit_margin=None
        if min_profit_margin is None
        else parse_rate(min_profit_margin, "--min-profit-margin"),
        max_age_seconds=max_age,
        method=chosen,
    )
    try:
        service.check_filter(filters)
    except InvalidInput as exc:
        fail(exc.message.replace("min_ev", "--min-ev").replace("min_profit_margin", "--min-profit-margin"))
    now = utcnow()
    with user_errors():
        runtime = Runtime.build(settings)
        try:
            with session_scope(runtime.session_factory) as session:
                found = service.list_opportunities(
                    session,
                    filters,
                    plans(settings)["local"],  # the operator's tool: every opportunity, no cap
                    now=now,
                    max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
                    sort=sort,
                    offset=0,
                    limit=limit,
                )
                lines = [_row(o, e, s, now) for o, e, s in found.rows]
                refreshed = odds_service.latest_refresh(session)
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
    header = ("kind", "value", "bet", "book", "odds", "fair", "Kelly", "event", "starts", "age")
    for line in table(header, lines, align="lrllrrrllr"):
        typer.echo(line)
    typer.echo(
        f"{len(lines)} of {found.total} active opportunities, fair line: {chosen}, at {now:%H:%M:%S} UTC "
        "(value: EV for +EV bets and middles, profit margin for arbitrage)"
    )


def _row(opp: Opportunity, event: Event, sport: Sport, now: datetime) -> tuple[str, ...]:
    value = opp.profit_margin if opp.kind == "arbitrage" else opp.ev
    bets = " / ".join(_leg_text(opp.market_key, leg) for leg in opp.legs)
    return (
        opp.kind,
        percent(value, sign=True),
        f"{opp.market_key} {bets}"[:48],
        " / ".join(leg["bookmaker"] for leg in opp.legs)[:32],
        " / ".join(f"{leg['price']:.2f} ({_fmt_american(american(leg['price']))})" for leg in opp.legs),
        f"{1 / opp.fair_prob:.2f}" if opp.fair_prob else "-",
        percent(opp.kelly_fraction, digits=1),
        f"{sport.title}: {event.away_team} @ {event.home_team}"[:50],
        f"{event.commence_time:%m-%d %H:%M}",
        f"{max((now - opp.confirmed_at).total_seconds(), 0):.0f}s",
    )


def _leg_text(market_key: str, leg: dict[str, Any]) -> str:
    point = leg["point"]
    if point is None:
        return str(leg["outcome"])
    return f"{leg['outcome']} {point:+g}" if market_key in SPREAD_KEYS else f"{leg['outcome']} {point:g}"


def _fmt_american(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"
