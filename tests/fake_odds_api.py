"""A local fake of The Odds API v4, shipped with the tests: real-shaped payloads, moving prices, quota
headers, credits per key, scores, free events, historical snapshots, and errors injected on demand.

In a test::

    with FakeOddsApi(keys={"key-1": 500}) as api:       # a thread on a free port
        settings(ODDS_API_KEY="key-1", ODDS_API_BASE_URL=api.url)
        api.fail_next("/odds", 500)                    # the next /odds call answers 500
        api.calls                                      # every call: path, params, the key it used

By hand, to run the whole product against it (``make run`` with its key)::

    .venv/bin/python tests/fake_odds_api.py --port 8765 --key demo-key
    ODDS_API_KEY=demo-key ODDS_API_BASE_URL=http://127.0.0.1:8765 make run

It serves under ``/v4`` and at the root alike. Its world is set at start, relative to then: two NBA games
from the reference payload (``examples/replay/odds-basketball_nba.json``: the provider's shape, its books and
prices) starting in 40 minutes and in 3 hours, an NBA game that tipped off 30 minutes ago (live, with a
score; completed after ``finish_after``), an EPL match in 2 hours (three-way h2h) and an NHL game in two
days (nothing soon). Every ``/odds`` answer moves each price by up to 1 % (deterministic, by call number).

Costs follow the provider: ``/sports`` and ``/events`` free; ``/odds`` markets × regions (ten listed
bookmakers count as one region), free when nothing is returned; per-event odds the markets returned ×
regions; ``/scores`` 1, 2 with ``daysFrom``; historical odds ten times the live cost. A key without the
credits for a call answers 401 ``OUT_OF_USAGE_CREDITS`` (free calls still answer, ``x-requests-remaining:
0``); an unknown key 401 ``INVALID_KEY``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REFERENCE = Path(__file__).resolve().parents[1] / "examples" / "replay" / "odds-basketball_nba.json"
FEATURED = frozenset({"h2h", "spreads", "totals", "outrights", "h2h_lay", "outrights_lay"})
BOOK_REGIONS = {
    "pinnacle": "eu",
    "betfair_ex_eu": "eu",
    "draftkings": "us",
    "fanduel": "us",
    "betmgm": "us",
    "williamhill": "uk",
    "unibet_eu": "eu",
}
SPORTS = {
    "basketball_nba": ("Basketball", "NBA", "US Basketball"),
    "soccer_epl": ("Soccer", "EPL", "English Premier League"),
    "icehockey_nhl": ("Ice Hockey", "NHL", "US Ice Hockey"),
}
SNAPSHOT_STEP = timedelta(minutes=5)  # historical snapshots, as the provider keeps them


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _soccer_books(home: str, away: str) -> list[dict[str, Any]]:
    def book(key: str, title: str, h: float, a: float, d: float, over: float, under: float) -> dict[str, Any]:
        return {
            "key": key,
            "title": title,
            "markets": [
                {"key": "h2h", "outcomes": [
                    {"name": home, "price": h}, {"name": away, "price": a}, {"name": "Draw", "price": d}]},
                {"key": "totals", "outcomes": [
                    {"name": "Over", "price": over, "point": 2.5},
                    {"name": "Under", "price": under, "point": 2.5}]},
            ],
        }  # fmt: skip

    return [
        book("pinnacle", "Pinnacle", 2.10, 3.65, 3.45, 1.95, 1.95),
        book("betfair_ex_eu", "Betfair", 2.12, 3.75, 3.50, 1.97, 1.97),
        book("williamhill", "William Hill", 2.05, 3.90, 3.30, 1.90, 1.90),
        book("unibet_eu", "Unibet", 2.25, 3.50, 3.40, 1.92, 1.88),
    ]


@dataclass
class FakeEvent:
    id: str
    sport: str
    home: str
    away: str
    commence: datetime
    books: list[dict[str, Any]]
    score: tuple[int, int] = (0, 0)

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sport_key": self.sport,
            "sport_title": SPORTS[self.sport][1],
            "commence_time": _iso(self.commence),
            "home_team": self.home,
            "away_team": self.away,
        }


def default_world(start: datetime) -> list[FakeEvent]:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    celtics, lakers = reference[0], reference[1]

    def nba(template: dict[str, Any], event_id: str, minutes: float, home: str, away: str) -> FakeEvent:
        books = json.loads(
            json.dumps(template["bookmakers"])
            .replace(template["home_team"], home)
            .replace(template["away_team"], away)
        )
        return FakeEvent(event_id, "basketball_nba", home, away, start + timedelta(minutes=minutes), books)

    return [
        nba(celtics, "fake-nba-celtics-knicks", 40, "Boston Celtics", "New York Knicks"),
        nba(lakers, "fake-nba-lakers-nuggets", 180, "Los Angeles Lakers", "Denver Nuggets"),
        nba(celtics, "fake-nba-heat-bulls", -30, "Miami Heat", "Chicago Bulls"),
        FakeEvent(
            "fake-epl-arsenal-chelsea", "soccer_epl", "Arsenal", "Chelsea", start + timedelta(hours=2),
            _soccer_books("Arsenal", "Chelsea"),
        ),
        FakeEvent(
            "fake-nhl-rangers-bruins", "icehockey_nhl", "New York Rangers", "Boston Bruins",
            start + timedelta(days=2), _soccer_books("New York Rangers", "Boston Bruins")[:2],
        ),
    ]  # fmt: skip


@dataclass
class Call:
    method: str
    path: str  # without the /v4 prefix
    params: dict[str, str]  # without apiKey
    key: str | None
    status: int
    cost: int


@dataclass
class Injected:
    path_contains: str
    status: int
    error_code: str | None
    times: int
    retry_after: str | None = None


@dataclass
class FakeOddsApi:
    """The fake provider; ``keys`` maps each valid key to its credits. ``now`` is its clock."""

    keys: dict[str, int] = field(default_factory=lambda: {"fake-key": 20_000})
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    finish_after: timedelta = timedelta(hours=2, minutes=30)
    world: list[FakeEvent] | None = None
    calls: list[Call] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)
    odds_calls: int = 0

    def __post_init__(self) -> None:
        self.started = self.now()
        if self.world is None:
            self.world = default_world(self.started)
        self._injected: list[Injected] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control

    def fail_next(
        self, path_contains: str, status: int, error_code: str | None = None, *, times: int = 1,
        retry_after: str | None = None,
    ) -> None:  # fmt: skip
        """The next ``times`` calls whose path contains ``path_contains`` answer this error."""
        with self._lock:
            self._injected.append(Injected(path_contains, status, error_code, times, retry_after))

    def calls_to(self, fragment: str) -> list[Call]:
        return [c for c in self.calls if fragment in c.path]

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v4"

    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, headers = fake.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:  # requests carry keys: never print them
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-odds-api", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeOddsApi:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- the API

    def answer(self, raw_path: str) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(raw_path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        key = params.pop("apiKey", None)
        path = parts.path.removeprefix("/v4")
        with self._lock:
            status, body, cost = self._route(path, params, key)
            headers: dict[str, str] = {}
            if key in self.keys:
                if status < 300:
                    self.keys[key] -= cost
                    self.used[key] = self.used.get(key, 0) + cost
                headers = {
                    "x-requests-remaining": str(self.keys[key]),
                    "x-requests-used": str(self.used.get(key, 0)),
                    "x-requests-last": str(cost if status < 300 else 0),
                }
            if isinstance(body, dict) and "retry_after" in body:
                headers["Retry-After"] = body.pop("retry_after")
            self.calls.append(Call("GET", path, params, key, status, cost if status < 300 else 0))
        return status, body, headers

    def _error(self, status: int, code: str | None, message: str) -> tuple[int, Any, int]:
        body: dict[str, Any] = {"message": message}
        if code:
            body["error_code"] = code
            body["details_url"] = (
                f"https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#{code.lower()}"
            )
        return status, body, 0

    def _route(self, path: str, params: dict[str, str], key: str | None) -> tuple[int, Any, int]:
        for injected in self._injected:
            if injected.path_contains in path and injected.times > 0:
                injected.times -= 1
                status, body, cost = self._error(injected.status, injected.error_code, "injected error")
                if injected.retry_after is not None:
                    body["retry_after"] = injected.retry_after
                return status, body, cost
        if key is None:
            return self._error(401, "MISSING_KEY", "API key is missing")
        if key not in self.keys:
            return self._error(401, "INVALID_KEY", "API key is not valid")
        segments = [s for s in path.split("/") if s]
        if segments == ["sports"]:
            return 200, self._sports(), 0
        if len(segments) >= 3 and segments[0] == "historical":
            return self._paid(key, *self._historical(segments[2], params))
        if len(segments) < 3 or segments[0] != "sports" or segments[1] not in SPORTS:
            return self._error(404, "UNKNOWN_SPORT", "Unknown sport")
        sport, what = segments[1], segments[2:]
        if what == ["events"]:
            return 200, [e.payload() for e in self._listed(sport)], 0
        if what == ["odds"]:
            return self._paid(key, *self._odds(sport, params))
        if what == ["scores"]:
            return self._paid(key, self._scores(sport), 2 if params.get("daysFrom") else 1)
        if len(what) == 3 and what[0] == "events" and what[2] == "odds":
            return self._paid(key, *self._event_odds(sport, what[1], params))
        return self._error(404, None, "Not found")

    def _paid(self, key: str, body: Any, cost: int) -> tuple[int, Any, int]:
        if isinstance(body, tuple):  # an error answer
            return body
        if cost > self.keys[key]:
            return self._error(
                401,
                "OUT_OF_USAGE_CREDITS",
                "Usage quota has been reached. See usage plans at https://the-odds-api.com",
            )
        return 200, body, cost

    # -- the world

    def _sports(self) -> list[dict[str, Any]]:
        return [
            {"key": key, "group": group, "title": title, "description": description, "active": True,
             "has_outrights": False}
            for key, (group, title, description) in SPORTS.items()
        ]  # fmt: skip

    def _over(self, event: FakeEvent, now: datetime) -> bool:
        return now >= event.commence + self.finish_after

    def _listed(self, sport: str) -> list[FakeEvent]:
        now = self.now()
        assert self.world is not None
        return [e for e in self.world if e.sport == sport and not self._over(e, now)]

    def _books(self, event: FakeEvent, params: dict[str, str], markets: set[str], tick: int) -> list[Any]:
        wanted = set(params.get("bookmakers", "").split(",")) - {""}
        regions = set(params.get("regions", "").split(",")) - {""}
        stamp = _iso(self.now())
        books = []
        for template in event.books:
            if wanted and template["key"] not in wanted:
                continue
            if not wanted and BOOK_REGIONS.get(template["key"], "us") not in regions:
                continue
            book = copy.deepcopy(template)
            book["last_update"] = stamp
            book["markets"] = [m for m in book["markets"] if m["key"] in markets]
            for market in book["markets"]:
                market["last_update"] = stamp
                for outcome in market["outcomes"]:
                    outcome["price"] = moved(
                        outcome["price"], tick, book["key"], market["key"], outcome["name"]
                    )
            if book["markets"]:
                books.append(book)
        return books

    def _units(self, params: dict[str, str]) -> int:
        wanted = [b for b in params.get("bookmakers", "").split(",") if b]
        if wanted:
            return math.ceil(len(wanted) / 10)
        return len([r for r in params.get("regions", "").split(",") if r])

    def _odds(self, sport: str, params: dict[str, str]) -> tuple[Any, int]:
        markets = set(params.get("markets", "h2h").split(","))
        unknown = markets - FEATURED
        if unknown:
            return self._error(422, "INVALID_MARKET", f"Invalid markets: {','.join(sorted(unknown))}"), 0
        if not self._units(params):
            return self._error(422, "MISSING_REGION", "Missing regions"), 0
        self.odds_calls += 1
        since = _parse(params["commenceTimeFrom"]) if "commenceTimeFrom" in params else None
        until = _parse(params["commenceTimeTo"]) if "commenceTimeTo" in params else None
        events = []
        for event in self._listed(sport):
            if (since and event.commence < since) or (until and event.commence > until):
                continue
            payload = {**event.payload(), "bookmakers": self._books(event, params, markets, self.odds_calls)}
            events.append(payload)
        cost = len(markets) * self._units(params) if events else 0
        return events, cost

    def _event_odds(self, sport: str, event_id: str, params: dict[str, str]) -> tuple[Any, int]:
        found = next((e for e in self._listed(sport) if e.id == event_id), None)
        if found is None:
            return self._error(404, "EVENT_NOT_FOUND", "Event not found"), 0
        markets = set(params.get("markets", "h2h").split(","))
        props = copy.deepcopy(found)
        if "player_points" in markets and sport == "basketball_nba":
            for book in props.books:
                book["markets"] = [*book["markets"], player_points(found.home)]
        books = self._books(props, params, markets, self.odds_calls)
        returned = {m["key"] for b in books for m in b["markets"]}
        return {**found.payload(), "bookmakers": books}, len(returned) * self._units(params)

    def _scores(self, sport: str) -> list[dict[str, Any]]:
        now = self.now()
        answer = []
        assert self.world is not None
        for event in self.world:
            if event.sport != sport:
                continue
            started = event.commence <= now
            completed = self._over(event, now)
            minutes = max(int((now - event.commence).total_seconds() // 60), 0)
            home, away = (
                (event.score[0] + 2 * minutes, event.score[1] + 2 * minutes - 3) if started else (0, 0)
            )
            scores = [
                {"name": event.home, "score": str(home)},
                {"name": event.away, "score": str(max(away, 0))},
            ]
            answer.append({
                **event.payload(),
                "completed": completed,
                "scores": scores if started else None,
                "last_update": _iso(now) if started else None,
            })  # fmt: skip
        return answer

    def _historical(self, sport: str, params: dict[str, str]) -> tuple[Any, int]:
        if sport not in SPORTS:
            return self._error(404, "UNKNOWN_SPORT", "Unknown sport"), 0
        at = _parse(params["date"])
        stamp = datetime.fromtimestamp(
            at.timestamp() // SNAPSHOT_STEP.total_seconds() * SNAPSHOT_STEP.total_seconds(), UTC
        )
        markets = set(params.get("markets", "h2h").split(",")) & FEATURED
        tick = int(stamp.timestamp() // SNAPSHOT_STEP.total_seconds())
        assert self.world is not None
        data = [
            {**e.payload(), "bookmakers": self._books(e, params, markets, tick)}
            for e in self.world
            if e.sport == sport and e.commence > stamp
        ]
        body = {
            "timestamp": _iso(stamp),
            "previous_timestamp": _iso(stamp - SNAPSHOT_STEP),
            "next_timestamp": _iso(stamp + SNAPSHOT_STEP),
            "data": data,
        }
        return body, 10 * len(markets) * self._units(params)


def moved(price: float, tick: int, *names: str) -> float:
    """A price moved by up to 1 %, the same for the same call number and outcome."""
    phase = zlib.crc32("|".join(names).encode()) % 628 / 100
    return max(round(price * (1 + 0.01 * math.sin(tick * 0.9 + phase)), 2), 1.01)


def player_points(player_team: str) -> dict[str, Any]:
    player = "Jayson Tatum" if "Celtics" in player_team else "Star Player"
    return {
        "key": "player_points",
        "outcomes": [
            {"name": "Over", "description": player, "price": 1.87, "point": 27.5},
            {"name": "Under", "description": player, "price": 1.93, "point": 27.5},
        ],
    }


@contextmanager
def running(**options: Any) -> Iterator[FakeOddsApi]:
    fake = FakeOddsApi(**options)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake of The Odds API v4.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", action="append", default=[], help="A valid key (repeatable).")
    parser.add_argument("--credits", type=int, default=20_000, help="Credits of each key.")
    args = parser.parse_args()
    fake = FakeOddsApi(keys=dict.fromkeys(args.key or ["demo-key"], args.credits))
    fake.start(args.port)
    root = fake.url.removesuffix("/v4")
    print(f"fake The Odds API on {root} (and {fake.url}), {len(fake.keys)} key(s); Ctrl-C stops it")
    print(
        f"run FairEdge on it:  ODDS_API_KEY={next(iter(fake.keys))} ODDS_API_BASE_URL={root} make run",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
