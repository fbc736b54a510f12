"""The simulated leagues: teams as The Odds API spells them, schedule shares, durations, model parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SPORTS", "Family", "SportSpec"]

Family = Literal["points", "goals"]


@dataclass(frozen=True, slots=True)
class SportSpec:
    key: str
    title: str
    group: str
    family: Family
    teams: tuple[str, ...]
    weight: float  # share of the schedule
    duration: float  # simulated minutes from start to final
    markets: tuple[str, ...]
    draw: bool  # 3-way h2h
    # points games: mean total, per-matchup total noise, team rating sd, home edge (points), V, rho
    # goals games: home rate, away rate, rating sd (log), unused, unused, unused
    base_a: float
    base_b: float
    rating_sd: float
    home_edge: float = 0.0
    variance: float = 0.0
    rho: float = 0.0
    drift_margin: float = 0.0  # per sqrt(simulated hour); points, or log-rate for goals games
    drift_total: float = 0.0
    jump_rate: float = 0.0  # team news per simulated hour
    jump_size: float = 0.0
    overtime_points: int = 1  # added to the winner when a no-draw game ends level
    spread_offsets: tuple[tuple[float, float], ...] = ((0.0, 1.0),)  # (offset, weight) for soft books
    total_offsets: tuple[tuple[float, float], ...] = ((0.0, 1.0),)


_US_OFFSETS = ((0.0, 55.0), (0.5, 10.0), (-0.5, 10.0), (1.0, 7.0), (-1.0, 7.0), (1.5, 5.5), (-1.5, 5.5))
_GOAL_TOTAL_OFFSETS = ((0.0, 70.0), (0.5, 10.0), (-0.5, 10.0), (1.0, 5.0), (-1.0, 5.0))
_SOCCER_TOTAL_OFFSETS = ((0.0, 80.0), (0.5, 10.0), (-0.5, 10.0))

NBA_TEAMS = (
    "Atlanta Hawks", "Boston Celtics", "Brooklyn Nets", "Charlotte Hornets", "Chicago Bulls",
    "Cleveland Cavaliers", "Dallas Mavericks", "Denver Nuggets", "Detroit Pistons", "Golden State Warriors",
    "Houston Rockets", "Indiana Pacers", "Los Angeles Clippers", "Los Angeles Lakers", "Memphis Grizzlies",
    "Miami Heat", "Milwaukee Bucks", "Minnesota Timberwolves", "New Orleans Pelicans", "New York Knicks",
    "Oklahoma City Thunder", "Orlando Magic", "Philadelphia 76ers", "Phoenix Suns", "Portland Trail Blazers",
    "Sacramento Kings", "San Antonio Spurs", "Toronto Raptors", "Utah Jazz", "Washington Wizards",
)  # fmt: skip
NFL_TEAMS = (
    "Arizona Cardinals", "Atlanta Falcons", "Baltimore Ravens", "Buffalo Bills", "Carolina Panthers",
    "Chicago Bears", "Cincinnati Bengals", "Cleveland Browns", "Dallas Cowboys", "Denver Broncos",
    "Detroit Lions", "Green Bay Packers", "Houston Texans", "Indianapolis Colts", "Jacksonville Jaguars",
    "Kansas City Chiefs", "Las Vegas Raiders", "Los Angeles Chargers", "Los Angeles Rams", "Miami Dolphins",
    "Minnesota Vikings", "New England Patriots", "New Orleans Saints", "New York Giants", "New York Jets",
    "Philadelphia Eagles", "Pittsburgh Steelers", "San Francisco 49ers", "Seattle Seahawks",
    "Tampa Bay Buccaneers", "Tennessee Titans", "Washington Commanders",
)  # fmt: skip
NHL_TEAMS = (
    "Anaheim Ducks", "Boston Bruins", "Buffalo Sabres", "Calgary Flames", "Carolina Hurricanes",
    "Chicago Blackhawks", "Colorado Avalanche", "Columbus Blue Jackets", "Dallas Stars", "Detroit Red Wings",
    "Edmonton Oilers", "Florida Panthers", "Los Angeles Kings", "Minnesota Wild", "Montréal Canadiens",
    "Nashville Predators", "New Jersey Devils", "New York Islanders", "New York Rangers", "Ottawa Senators",
    "Philadelphia Flyers", "Pittsburgh Penguins", "San Jose Sharks", "Seattle Kraken", "St Louis Blues",
    "Tampa Bay Lightning", "Toronto Maple Leafs", "Utah Mammoth", "Vancouver Canucks",
    "Vegas Golden Knights", "Washington Capitals", "Winnipeg Jets",
)  # fmt: skip
MLB_TEAMS = (
    "Arizona Diamondbacks", "Athletics", "Atlanta Braves", "Baltimore Orioles", "Boston Red Sox",
    "Chicago Cubs", "Chicago White Sox", "Cincinnati Reds", "Cleveland Guardians", "Colorado Rockies",
    "Detroit Tigers", "Houston Astros", "Kansas City Royals", "Los Angeles Angels", "Los Angeles Dodgers",
    "Miami Marlins", "Milwaukee Brewers", "Minnesota Twins", "New York Mets", "New York Yankees",
    "Philadelphia Phillies", "Pittsburgh Pirates", "San Diego Padres", "San Francisco Giants",
    "Seattle Mariners", "St. Louis Cardinals", "Tampa Bay Rays", "Texas Rangers", "Toronto Blue Jays",
    "Washington Nationals",
)  # fmt: skip
EPL_TEAMS = (
    "Arsenal", "Aston Villa", "Bournemouth", "Brentford", "Brighton and Hove Albion", "Burnley", "Chelsea",
    "Crystal Palace", "Everton", "Fulham", "Leeds United", "Liverpool", "Manchester City",
    "Manchester United", "Newcastle United", "Nottingham Forest", "Sunderland", "Tottenham Hotspur",
    "West Ham United", "Wolverhampton Wanderers",
)  # fmt: skip
LA_LIGA_TEAMS = (
    "Alavés", "Athletic Bilbao", "Atlético Madrid", "Barcelona", "CA Osasuna", "Celta Vigo", "Elche CF",
    "Espanyol", "Getafe", "Girona", "Levante", "Mallorca", "Oviedo", "Rayo Vallecano", "Real Betis",
    "Real Madrid", "Real Sociedad", "Sevilla", "Valencia", "Villarreal",
)  # fmt: skip

SPORTS: tuple[SportSpec, ...] = (
    SportSpec(
        "basketball_nba", "NBA", "Basketball", "points", NBA_TEAMS, 0.22, 150.0, ("h2h", "spreads", "totals"),
        False, base_a=228.0, base_b=6.0, rating_sd=4.5, home_edge=2.5, variance=120.0, rho=0.3,
        drift_margin=0.18, drift_total=0.3, jump_rate=0.012, jump_size=1.0, overtime_points=4,
        spread_offsets=_US_OFFSETS, total_offsets=_US_OFFSETS,
    ),
    SportSpec(
        "americanfootball_nfl", "NFL", "American Football", "points", NFL_TEAMS, 0.1, 195.0,
        ("h2h", "spreads", "totals"), False, base_a=44.5, base_b=3.5, rating_sd=5.0, home_edge=1.8,
        variance=85.0, rho=0.1, drift_margin=0.12, drift_total=0.2, jump_rate=0.01, jump_size=1.0,
        overtime_points=3, spread_offsets=_US_OFFSETS, total_offsets=_US_OFFSETS,
    ),
    SportSpec(
        "icehockey_nhl", "NHL", "Ice Hockey", "goals", NHL_TEAMS, 0.16, 150.0, ("h2h", "spreads", "totals"),
        False, base_a=3.15, base_b=2.95, rating_sd=0.15, drift_margin=0.009, drift_total=0.008,
        jump_rate=0.012, jump_size=0.05, overtime_points=1, total_offsets=_GOAL_TOTAL_OFFSETS,
    ),
    SportSpec(
        "baseball_mlb", "MLB", "Baseball", "goals", MLB_TEAMS, 0.16, 180.0, ("h2h", "spreads", "totals"),
        False, base_a=4.6, base_b=4.4, rating_sd=0.12, drift_margin=0.009, drift_total=0.009,
        jump_rate=0.015, jump_size=0.06, overtime_points=1, total_offsets=_GOAL_TOTAL_OFFSETS,
    ),
    SportSpec(
        "soccer_epl", "EPL", "Soccer", "goals", EPL_TEAMS, 0.2, 115.0, ("h2h", "totals"), True,
        base_a=1.55, base_b=1.2, rating_sd=0.3, drift_margin=0.011, drift_total=0.008, jump_rate=0.01,
        jump_size=0.06, total_offsets=_SOCCER_TOTAL_OFFSETS,
    ),
    SportSpec(
        "soccer_spain_la_liga", "La Liga - Spain", "Soccer", "goals", LA_LIGA_TEAMS, 0.16, 115.0,
        ("h2h", "totals"), True, base_a=1.45, base_b=1.1, rating_sd=0.3, drift_margin=0.011,
        drift_total=0.008, jump_rate=0.01, jump_size=0.06, total_offsets=_SOCCER_TOTAL_OFFSETS,
    ),
)  # fmt: skip
