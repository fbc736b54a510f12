"""The web app end to end: Debian's Chromium (headless, through Playwright) against a real `fairedge run` on
the simulator, with a scratch SQLite database, the built web/dist and users made the way an operator makes
them (the CLI; mail read from the outbox).

One server and one browser for the module (every test here runs on the same xdist worker: `xdist_group`), a
fresh browser context (cookies, storage) per test. Screenshots of every page land in var/e2e-artifacts/ (or
$E2E_ARTIFACTS), printed at the end of the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import parser as email_parser
from email import policy as email_policy
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from typer.testing import CliRunner

from fairedge.cli import app as cli_app
from fairedge.db import migrate

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("web_e2e")]

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "var" / "e2e-artifacts"))
PASSWORD = "correct horse battery"
ADMIN = "admin@example.com"
PRO = "pro@example.com"
FREE = "free@example.com"
MEMBER = "member@example.com"
WAIT_MS = 20_000

T = TypeVar("T")


@dataclass(frozen=True)
class Server:
    base: str
    env: dict[str, str]
    workdir: Path

    def cli(self, *args: str) -> str:
        """A `fairedge` command as an operator runs it, in this process (no second interpreter to start)."""
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(self.workdir)
            for key, value in self.env.items():
                patch.setenv(key, value)
            result = CliRunner().invoke(cli_app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def token_from_outbox(self, email: str, path: str = "verify-email") -> str:
        """The newest link mailed to `email`, from the outbox files (`fairedge users outbox` prints them)."""
        outbox = Path(self.env["MAIL_OUTBOX_DIR"])
        for mail in sorted(outbox.glob("*.eml"), key=lambda f: f.stat().st_mtime, reverse=True):
            message = email_parser.BytesParser(policy=email_policy.default).parsebytes(mail.read_bytes())
            if str(message["To"]).lower() == email.lower():
                body = message.get_body(preferencelist=("plain",))
                found = re.findall(rf"/{path}\?token=([A-Za-z0-9_\-]+)", body.get_content() if body else "")
                if found:
                    return str(found[-1])
        raise AssertionError(f"no {path} link mailed to {email}")

    def verified_user(self, email: str) -> None:
        self.post("/api/auth/register", {"email": email, "password": PASSWORD})
        self.post("/api/auth/verify-email", {"token": self.token_from_outbox(email)})


def _wait_for(predicate: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what}: not reached in {timeout} s")


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    # Debian's package, never `playwright install` (no download from Playwright's CDN).
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run(
            command, check=True, timeout=600, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        )


def _ensure_dist() -> None:
    if (DIST / "index.html").is_file():
        return
    if shutil.which("npm") is None:
        pytest.skip("web/dist is not built and npm is missing (Node 20 builds the web app)")
    subprocess.run(["make", "--no-print-directory", "web-build"], cwd=ROOT, check=True, timeout=600)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _ensure_dist()
    started = time.monotonic()
    workdir = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"sqlite:///{workdir / 'fairedge.db'}",
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "PUBLIC_URL": base,
        "ODDS_PROVIDER": "simulator",
        "ODDS_REFRESH_SECONDS": "2",
        "SIMULATOR_SEED": "7",
        "SIMULATOR_EVENTS": "40",
        "LOG_FORMAT": "json",
    }
    for name in ("ODDS_API_KEY", "REDIS_URL", "CELERY_BROKER_URL", "ANONYMOUS_PLAN", "LOG_DIR"):
        env.pop(name, None)
    running = Server(base=base, env=env, workdir=workdir)
    migrate.upgrade(env["DATABASE_URL"])
    running.cli("users", "create-admin", "--email", ADMIN, "--password", PASSWORD)
    log = (workdir / "server.log").open("w")
    # The server serves a copy of the build: a rebuild of web/dist during the run (make web in the same tree)
    # must not pull the hashed files from under the browser.
    web = shutil.copytree(DIST, workdir / "dist")
    serve_copy = (
        "import sys, pathlib, fairedge.app, fairedge.cli; "
        f"fairedge.app.WEB_DIST = pathlib.Path({str(web)!r}); "
        "sys.argv[0] = 'fairedge'; fairedge.cli.main()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", serve_copy, "run", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(lambda: _get(f"{base}/health")["status"] == "healthy", 90, "the server's /health")
        print(f"\ne2e: fairedge run healthy {time.monotonic() - started:.1f} s after the start", flush=True)
        # Users the visitor's way (register, the mailed link), plans and admins the operator's way (the CLI).
        for email in (PRO, FREE, MEMBER):
            running.verified_user(email)
        running.cli("users", "set-plan", "--email", PRO, "--plan", "pro", "--reason", "e2e")
        _wait_for(lambda: _get(f"{base}/api/opportunities?limit=1")["items"], 60, "the first opportunities")
        print(f"e2e: users and opportunities ready after {time.monotonic() - started:.1f} s", flush=True)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    assert process.returncode == 0, (workdir / "server.log").read_text()[-3000:]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    _ensure_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    print(f"\ne2e screenshots: {ARTIFACTS}")


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=server.base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, email: str, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").last.click()
    page.wait_for_url(f"**{next_path}")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def rows(page: Page) -> Any:
    return page.locator(".grid-body [role=row]")


def test_anonymous_in_development_lands_on_the_live_table_and_rows_arrive(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    expect(rows(page).first).to_be_visible()
    first_seen = set(rows(page).locator("[data-column=age]").all_inner_texts())
    assert first_seen
    # The stream brings changes in place (ages restart when a quote is confirmed, rows open and end) while the
    # page stays the same document: no reload.
    page.evaluate("window.__e2eSamePage = true")
    page.wait_for_function(
        "() => document.querySelector('.grid-body [data-status=new], .grid-body [data-status=ended]')",
        timeout=WAIT_MS,
    )
    assert page.evaluate("window.__e2eSamePage") is True
    shot(page, "01-opportunities-live")


def test_filter_keeps_the_url_and_changes_the_rows(page: Page) -> None:
    page.goto("/")
    expect(rows(page).first).to_be_visible()
    first_event = rows(page).first.locator(".event-cell a").inner_text()
    first_league = rows(page).first.locator(".event-cell small").inner_text()
    present = set(rows(page).locator(".event-cell small").all_inner_texts()) - {first_league}
    filters = page.get_by_role("search", name="Filters")
    offered = [
        o for o in filters.get_by_label("League").locator("option").all_inner_texts() if o != "All leagues"
    ]
    # Another league than the first row's (one with rows of its own when the table has one).
    league = sorted(present)[0] if present else next(o for o in offered if o != first_league)
    filters.get_by_label("League").select_option(label=league)
    page.wait_for_url(re.compile(r"[?&]league=\w+"))
    page.wait_for_function(
        """([league, gone]) => {
            const cells = [...document.querySelectorAll('.grid-body .event-cell')];
            return cells.every((cell) => cell.querySelector('small').textContent === league
                && cell.querySelector('a').textContent !== gone);
        }""",
        arg=[league, first_event],
    )
    assert first_event not in rows(page).locator(".event-cell a").all_inner_texts()
    assert set(rows(page).locator(".event-cell small").all_inner_texts()) <= {league}
    shot(page, "02-opportunities-filtered")
    # The filter is in the URL: a reload (or a shared link) shows the same view.
    selected = page.url
    page.reload()
    expect(page.get_by_role("search", name="Filters").get_by_label("League")).to_have_value(
        re.search(r"league=(\w+)", selected).group(1)  # type: ignore[union-attr]
    )


def test_an_event_shows_its_odds_board_and_line_chart(page: Page) -> None:
    page.goto("/")
    link = rows(page).first.locator(".event-cell a")
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/events/\d+"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Odds board")).to_be_visible()
    expect(page.get_by_role("heading", name="Line movement")).to_be_visible()
    expect(page.locator(".uplot canvas").first).to_be_visible()
    assert title.split(" @ ")[0] in page.get_by_role("heading", level=1).inner_text()
    shot(page, "03-event")


def test_a_user_logs_in_and_back_to_the_page_they_wanted(page: Page) -> None:
    page.goto("/account")
    log_in(page, PRO, "/account")
    expect(page.get_by_test_id("account-email")).to_have_text(PRO)
    expect(page.get_by_test_id("plan-name")).to_have_text(re.compile("pro", re.IGNORECASE))
    expect(page.get_by_test_id("billing-off")).to_be_visible()
    shot(page, "04-account-pro")
    # On a 375 px wide phone the page fits the width (tables scroll inside their own box).
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_test_id("plan-name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "04-account-pro-375px")


def test_an_account_creates_a_key_shown_once_and_revokes_it(page: Page, server: Server) -> None:
    log_in(page, PRO, "/account")
    keys = page.get_by_role("region", name="API keys")
    keys.get_by_label("Key name").fill("e2e script")
    keys.get_by_role("button", name="Create key").click()
    secret = page.get_by_test_id("new-key-value").inner_text().strip()
    assert secret.startswith("fe_")
    # The key works for the data endpoints.
    request = urllib.request.Request(
        f"{server.base}/api/opportunities?limit=1", headers={"X-API-Key": secret}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    table = page.get_by_role("table", name="Your API keys")
    expect(table.get_by_role("row", name=re.compile("e2e script"))).to_be_visible()
    shot(page, "05-account-key-created")
    page.get_by_role("button", name="I have saved it").click()
    expect(page.get_by_test_id("new-key")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke e2e script").click()
    expect(page.get_by_role("row", name=re.compile("e2e script"))).to_have_count(0)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401


def test_preferences_of_a_signed_in_user_are_kept_on_the_server(browser: Browser, server: Server) -> None:
    first = browser.new_context(base_url=server.base)
    page = first.new_page()
    log_in(page, PRO, "/account")
    form = page.get_by_role("region", name="Preferences")
    form.get_by_label("Bankroll").fill("2500")
    form.get_by_label("Kelly multiplier (% of full Kelly)").fill("50")
    form.get_by_label("Odds format").select_option("decimal")
    form.get_by_label("Market").fill("totals")
    with page.expect_response(
        lambda r: r.url.endswith("/api/me/preferences") and r.request.method == "PATCH"
    ) as saved:
        form.get_by_role("button", name="Save preferences").click()
    assert saved.value.ok
    assert saved.value.json()["default_filters"]["market"] == "totals"
    assert saved.value.json()["kelly_multiplier"] == 0.5
    first.close()

    # Another browser, same account: the preferences come from the server.
    second = browser.new_context(base_url=server.base)
    page = second.new_page()
    log_in(page, PRO, "/account")
    form = page.get_by_role("region", name="Preferences")
    expect(form.get_by_label("Bankroll")).to_have_value("2500")
    expect(form.get_by_label("Kelly multiplier (% of full Kelly)")).to_have_value("50")
    expect(form.get_by_label("Odds format")).to_have_value("decimal")
    expect(form.get_by_label("Market")).to_have_value("totals")
    shot(page, "06-account-preferences")
    second.close()


def test_a_free_user_sees_what_the_plan_hides_and_why(page: Page, server: Server) -> None:
    # +EV bets on the board (the page's kind) for the plan to hold back: the simulator's board can hold only
    # arbitrages and middles for a moment. Were it to empty as the page opens, the stream's `hidden` event
    # brings the notice when the next scan changes what the plan withholds.
    board = f"{server.base}/api/opportunities?kind=ev&limit=1"
    _wait_for(lambda: _get(board)["items"], 60, "+EV bets on the board")
    log_in(page, FREE, "/")
    notice = page.get_by_role("complementary", name="Hidden by your plan")
    expect(notice).to_be_visible(timeout=15_000)
    expect(notice).to_contain_text("free plan")
    shot(page, "07-opportunities-free")
    page.goto("/account")
    limits = page.get_by_test_id("plan-limits")
    expect(limits).to_contain_text("delayed")
    expect(limits).to_contain_text("capped")
    shot(page, "08-account-free")


def test_a_non_admin_gets_a_clear_403_on_the_admin_page(page: Page) -> None:
    log_in(page, FREE, "/")
    page.goto("/admin")
    expect(page.get_by_test_id("admin-forbidden")).to_contain_text("403")
    shot(page, "09-admin-forbidden")


def test_an_admin_changes_a_role_and_the_audit_trail_shows_it(page: Page) -> None:
    log_in(page, ADMIN, "/admin")
    expect(page.get_by_role("heading", name="System status")).to_be_visible()
    expect(page.get_by_role("table", name="Jobs")).to_be_visible()
    row = page.get_by_test_id(f"user-{MEMBER}")
    row.get_by_label(f"Role of {MEMBER}").select_option("analyst")
    row.get_by_label("Reason (audit)").fill("e2e promotion")
    row.get_by_role("button", name="Save role").click()
    expect(page.get_by_test_id(f"user-{MEMBER}").get_by_label(f"Role of {MEMBER}")).to_have_value("analyst")
    audit = page.get_by_role("table", name="Audit trail")
    expect(audit).to_contain_text("e2e promotion")
    shot(page, "10-admin")


def test_a_visitor_registers_confirms_the_mail_and_logs_in(page: Page, server: Server) -> None:
    email = "newcomer@example.com"
    page.goto("/account")
    register = page.get_by_role("form", name="Create an account")
    register.get_by_label("E-mail", exact=True).fill(email)
    register.get_by_label(re.compile("^Password")).fill(PASSWORD)
    register.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("register-sent")).to_be_visible()
    page.goto(f"/verify-email?token={server.token_from_outbox(email)}")
    expect(page.get_by_role("status")).to_contain_text(f"{email} is confirmed")
    shot(page, "11-verified")
    log_in(page, email, "/account")
    expect(page.get_by_test_id("account-email")).to_have_text(email)
