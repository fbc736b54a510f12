"""`fairedge price` through Typer's CliRunner, on a local app (independent of fairedge.cli's own app)."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fairedge.cli.price import EXAMPLE_BOARD, price_command, register

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Group mode, so that `price` stays a sub-command as in the real app."""

    register(app)
    return app


APP = make_app()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(APP, ["price", *args])
    return result.exit_code, result.stdout, result.stderr


def test_american_market_prints_fair_odds_for_every_method() -> None:
    code, out, err = run("+150", "-170")
    assert code == 0, err
    assert "hold 2.96%" in out
    for method in ("multiplicative", "additive", "power", "shin", "odds_ratio", "probit", "worst_case"):
        assert method in out
    shin = next(line for line in out.splitlines() if line.startswith("shin"))
    assert "38.52%" in shin
    assert "+160" in shin
    assert "-160" in shin


def test_crazy_ninja_example_through_the_cli() -> None:
    code, out, _ = run("+900", "-3000", "-m", "multiplicative", "-m", "additive", "-m", "power")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "+968" in rows["multiplicative"]
    assert "+1412" in rows["additive"]
    assert "+2192" in rows["power"]


def test_bets_get_ev_and_kelly_per_outcome() -> None:
    code, out, err = run(
        "2.5", "1.6", "3/1", "--method", "shin", "--bet", "3.5", "--bet", "-", "--bet", "+320"
    )
    assert code == 0, err
    line = [line for line in out.splitlines() if line.startswith("shin")][-1]  # the EV/Kelly table comes last
    # Fair p₁ = 30.88 % (see the fair table): EV at 3.5 = 0.3088·3.5 − 1 = +8.08 %.
    assert "+8.0" in line
    assert "n/a" in line  # the skipped outcome


def test_kelly_multiplier_scales_full_kelly() -> None:
    args = ("2.5", "1.6", "--method", "multiplicative", "--bet", "3.0", "--bet", "-")
    full = run(*args)
    quarter = run(*args, "--kelly-multiplier", "0.25")
    assert full[0] == quarter[0] == 0, full[2] + quarter[2]
    # p₁ = (1/2.5)/(1/2.5 + 1/1.6) = 39.02 %; at 3.0 full Kelly = (0.3902·3 − 1)/2 = 8.54 %, a quarter 2.13 %.
    assert "8.54%" in full[1].splitlines()[-1]
    assert "2.13%" in quarter[1].splitlines()[-2] and quarter[1].splitlines()[-1] == "Kelly shown × 0.25."


def test_negative_odds_also_work_after_double_dash_without_context_settings() -> None:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Group."""

    app.command("price")(price_command)
    result = runner.invoke(app, ["price", "--", "+150", "-170"])
    assert result.exit_code == 0, result.stderr
    assert "hold 2.96%" in result.stdout


def test_example_board() -> None:
    code, out, err = run("--example")
    assert code == 0, err
    for market in EXAMPLE_BOARD["markets"]:
        assert market["name"] in out
    assert "fair line from 2 sharp book(s)" in out  # pinnacle + betfair_ex_eu
    assert "consensus of 3 book(s)" in out
    assert "ARBITRAGE" in out
    # Knicks +120 at caesars, Heat -115 at betmgm: 1/(1/2.2 + 1/1.87) − 1 = 1.07 % on the total stake.
    assert "profit margin 1.07%" in out and "guaranteed profit 1.07" in out
    assert "*" in out


def test_board_file(tmp_path: Path) -> None:
    board = {
        "markets": [
            {
                "name": "Lakers @ Celtics h2h",
                "outcomes": ["Lakers", "Celtics"],
                "books": {"pinnacle": [2.1, 1.8], "draftkings": [2.25, 1.7]},
            }
        ]
    }
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board))
    code, out, err = run("--board", str(path), "--method", "multiplicative")
    assert code == 0, err
    # Pinnacle devigged multiplicatively: p(Lakers) = (1/2.1)/(1/2.1 + 1/1.8) = 46.15 %; EV at 2.25 = +3.85 %.
    assert "46.15%" in out
    draftkings = next(line for line in out.splitlines() if line.startswith("draftkings"))
    assert "+3.85%*" in draftkings
    assert "ARBITRAGE" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["+150", "-99"], "outcome 2: cannot parse odds '-99': American odds must be ≤ -100"),
        (["2.5", "abc"], "outcome 2: cannot parse odds 'abc': not a number"),
        (["2.5", "0.9"], "decimal odds must be > 1"),
        (["2.5"], "at least two outcomes"),
        (["2.5", "1.6", "--method", "fancy"], "unknown devig method 'fancy'"),
        (["2.5", "1.6", "--bet", "3.0"], "--bet given 1 times for 2 outcomes"),
        ([], "give exactly one of"),
        (["2.5", "1.6", "--example"], "give exactly one of"),
        (["--board", "/nonexistent/board.json"], "board file '/nonexistent/board.json' not found"),
        (["2.5", "1.6", "--methd", "shin"], "unknown option '--methd'"),
        (["2.5", "1.6", "--kelly-multiplier", "0"], "--kelly-multiplier must be in (0, 1], got 0.0"),
        (["2.5", "1.6", "--kelly-fraction", "0.5"], "unknown option '--kelly-fraction'"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_bad_json_and_bad_shape(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"markets": [')
    code, _, err = run("--board", str(broken))
    assert code == 2
    assert "is not valid JSON" in err
    assert "line 1" in err

    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"markets": [{"outcomes": ["A", "B"], "books": {"pinnacle": [2.0]}}]}))
    code, _, err = run("--board", str(wrong))
    assert code == 2
    assert "markets[0].books.pinnacle must list 2 prices" in err

    bad_price = tmp_path / "bad_price.json"
    bad_price.write_text(json.dumps({"markets": [{"outcomes": ["A", "B"], "books": {"x": [2.0, -110]}}]}))
    code, _, err = run("--board", str(bad_price))
    assert code == 2
    assert "markets[0].books.x[1]: decimal odds must be > 1" in err


def test_shin_on_an_arbitrage_book_says_so_instead_of_failing() -> None:
    code, out, _ = run("2.4", "2.5", "7.5", "-m", "shin", "-m", "multiplicative")
    assert code == 0
    assert "n/a" in out
    assert "no solution" in out
