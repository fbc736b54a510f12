"""Issue 11's pages end to end in Debian's Chromium against a real `fairedge run` on the simulator (the
suite's server, browser and helpers from test_e2e.py): a bet recorded with one click from the +EV table
settles automatically on a recorded final score, shown with its result on the bet tracker; an alert
pointed at a local HTTP receiver is test-sent and then delivers a real opportunity, seen in its delivery
log; the plan page says billing is off (no Stripe key); the tracker pages fit a 375 px phone.
Screenshots land beside the suite's.

The simulator plays games on the real clock (a game is hours of simulated time away), so the result is
recorded the way The Odds API's scores are stored (the event marked completed with its final score) and
the settlement job `tasks.bet_settlement` is run once, as the scheduler runs it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_e2e import (  # the suite's fixtures (module-scoped there: one server for this module too)
    Server,
    browser,
    context,
    log_in,
    page,
    playwright,
    rows,
    server,
    shot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("web_e2e")]

__all__ = ["browser", "context", "page", "playwright", "server"]  # fixtures used by name

TRACKER = "tracker@example.com"
SLOW_MS = 90_000  # a delivery waits for a new matching opportunity and the delivery job (15 s timer)

# Runs in the server's environment: the final score recorded on the bet's event (as fairedge.odds.scores
# stores The Odds API's), then the settlement job once; again if a refresh of the simulator wrote the event
# back in between (it still reports the game as upcoming).
SETTLE = """
import json, sys
from sqlalchemy import select, update
from fairedge.bets.models import Bet
from fairedge.config import get_settings
from fairedge.odds.models import Event
from fairedge.runtime import Runtime

bet_id, home, away = (int(a) for a in sys.argv[1:4])
runtime = Runtime.build(get_settings())
settle = runtime.jobs()["tasks.bet_settlement"]
for _ in range(20):
    with runtime.session_factory() as session:
        event_id = session.execute(select(Bet.event_id).where(Bet.id == bet_id)).scalar_one()
        final = {"status": "completed", "home_score": home, "away_score": away}
        session.execute(update(Event).where(Event.id == event_id).values(**final))
        session.commit()
    report = settle()
    with runtime.session_factory() as session:
        bet = session.get(Bet, bet_id)
        if bet.result is not None:
            print(json.dumps({"result": bet.result, "settled_by": bet.settled_by, "report": report}))
            break
else:
    sys.exit("the bet did not settle")
"""


@pytest.fixture(scope="module")
def tracker_user(server: Server) -> str:
    server.verified_user(TRACKER)
    server.cli("users", "set-plan", "--email", TRACKER, "--plan", "pro", "--reason", "e2e tracker")
    return TRACKER


class Receiver:
    """A local webhook receiver: records each POST's JSON body and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length) or b"null"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:  # quiet: the test asserts on the bodies
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [b for b in self.bodies if isinstance(b, dict) and b.get("event") == kind]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.thread.start()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def _bets_of(server: Server, email: str) -> list[dict[str, Any]]:
    database = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(
            "SELECT b.id, b.event_id, b.home_team, b.away_team, b.result FROM bets b "
            "JOIN users u ON u.id = b.user_id WHERE u.email = ? ORDER BY b.id",
            (email,),
        ).fetchall()
    return [dict(row) for row in found]


def test_a_bet_recorded_from_the_table_settles_on_a_recorded_result(
    page: Page, server: Server, tracker_user: str
) -> None:
    log_in(page, tracker_user, "/")
    first = rows(page).filter(has=page.get_by_role("button", name=re.compile(r"^Record bet: "))).first
    expect(first.get_by_role("button")).to_be_enabled(timeout=SLOW_MS)  # a row still on the board
    button = first.get_by_role("button", name=re.compile(r"^Record bet: "))
    label = button.get_attribute("aria-label") or ""
    event = re.match(r"Record bet: (.+), stake ", label)
    assert event, label
    button.click()
    expect(page.get_by_role("button", name=label)).to_have_text("Recorded")
    shot(page, "20-opportunities-record-bet")

    recorded = _bets_of(server, tracker_user)
    assert len(recorded) == 1 and recorded[0]["result"] is None
    bet = recorded[0]
    assert f"{bet['away_team']} @ {bet['home_team']}" == event.group(1)

    page.get_by_role("link", name="Bets").click()
    page.wait_for_url("**/bets")
    row = page.locator(f"tr[data-bet-id='{bet['id']}']")
    expect(row).to_contain_text(event.group(1))
    expect(row.get_by_test_id("bet-result")).to_have_text("Open")
    expect(row).to_contain_text("awaiting close")  # the game has not started: no closing line yet

    done = subprocess.run(
        [sys.executable, "-c", SETTLE, str(bet["id"]), "101", "99"],
        cwd=server.workdir,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    settled = json.loads(done.stdout.strip().splitlines()[-1])
    assert settled["settled_by"] == "auto"

    names = {"win": "Win", "loss": "Loss", "push": "Push", "void": "Void", "half_win": "Half win"}
    names["half_loss"] = "Half loss"
    page.reload()
    row = page.locator(f"tr[data-bet-id='{bet['id']}']")
    expect(row.get_by_test_id("bet-result")).to_contain_text(names[settled["result"]])
    expect(row.get_by_test_id("bet-result")).to_contain_text("final 101–99")
    expect(page.get_by_test_id("bets-kpis")).to_contain_text("Profit")
    expect(page.get_by_role("table", name="Results by sport")).to_contain_text(str(1))
    if settled["result"] not in ("push", "void"):
        expect(page.get_by_test_id("profit-chart")).to_be_visible()
    shot(page, "21-bets-settled")

    # CSV export of the same bet through the API client (a download, not a navigation).
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    csv = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115 (a temp file Playwright owns)
    assert bet["home_team"] in csv and bet["away_team"] in csv


def test_an_alert_is_test_sent_then_delivers_an_opportunity_seen_in_its_log(
    page: Page, tracker_user: str, receiver: Receiver
) -> None:
    log_in(page, tracker_user, "/alerts")
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    page.get_by_role("button", name="New alert").click()
    form = page.get_by_role("form", name="New alert")
    form.get_by_label("Name").fill("Every +EV")
    form.get_by_label("Webhook URL").fill(receiver.url)
    form.get_by_role("button", name="Create alert").click()

    card = page.get_by_role("listitem", name="Alert Every +EV")
    expect(card.get_by_test_id("alert-status")).to_have_text("active")
    card.get_by_role("button", name="Send test").click()
    expect(card.get_by_test_id("test-result")).to_contain_text("Test delivered (HTTP 200)")
    assert receiver.events("test"), receiver.bodies

    card.get_by_role("button", name="Deliveries").click()
    delivered = card.locator("[data-testid=delivery][data-status=delivered]").first
    expect(delivered).to_be_visible(timeout=SLOW_MS)
    sent = receiver.events("opportunity")
    assert sent and sent[0]["alert"]["name"] == "Every +EV"
    opportunity = sent[0]["opportunity"]
    assert opportunity["kind"] == "ev"
    shot(page, "22-alerts-delivery-log")

    card.get_by_role("button", name="Pause").click()
    expect(card.get_by_test_id("alert-status")).to_have_text("paused")
    card.get_by_role("button", name="Resume").click()
    expect(card.get_by_test_id("alert-status")).to_have_text("active")


def test_the_plan_page_says_billing_is_off_without_a_stripe_key(page: Page, tracker_user: str) -> None:
    log_in(page, tracker_user, "/plan")
    expect(page.get_by_test_id("current-plan")).to_have_text(re.compile("pro", re.IGNORECASE))
    expect(page.get_by_test_id("billing-off")).to_contain_text("Billing is off")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/bets")
    expect(page.get_by_test_id("bets-kpis")).to_be_visible()
    expect(page.get_by_role("table", name="Your bets").or_(page.get_by_text("No bets yet."))).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px wide)"
    shot(page, "23-bets-375px")
    page.goto("/alerts")
    expect(page.get_by_role("button", name="New alert")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "24-alerts-375px")
