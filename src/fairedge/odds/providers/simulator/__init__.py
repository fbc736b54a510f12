"""A live, offline odds market: seeded, deterministic, shaped like The Odds API.

Everything follows from ``seed`` and the sequence of ``clock()`` values (one per :meth:`fetch`): the same
seed and clock sequence give identical snapshots.

Time
    Simulated time runs ``time_scale`` times faster than the clock (default 60: one real minute is one
    simulated hour). The first fetch fixes the origin. Reported times (``commence_time``, ``last_update``,
    ``fetched_at``) are real-clock datetimes: ``commence_time`` is what the clock will say when the game
    starts. A clock that goes backwards freezes the simulation until it catches up.

Schedule
    ``n_events`` games are always upcoming or live: at the start they are spread from minutes to two
    simulated days ahead (a few already under way); each game that finishes is reported once more as
    ``"completed"`` with ``home_score``/``away_score`` and no bookmakers, then dropped, and a new game is
    scheduled 20 minutes to 2 days (simulated) ahead. A team plays one game at a time where the league has
    enough teams. Leagues: NBA, NFL, NHL, MLB, EPL, La Liga (team names as The Odds API spells them).

Model (a latent truth per game)
    * NBA, NFL ("points" games): each side's points are a gamma process (mean ``M``, variance ``V`` per game,
      plus a common pace component with share ``rho``), so the final margin is ≈ N(μ_m, 2V(1−ρ)) and the
      total ≈ N(μ_t, 2V(1+ρ)). Spreads/totals at any point are priced from those normals, the moneyline is
      P(margin > 0).
    * NHL, MLB, soccer ("goals" games): each side scores as a Poisson process (rates λ_home, λ_away); the
      margin is Skellam and the total Poisson, so h2h (3-way with ``Draw`` for soccer; NHL/MLB ties go to
      overtime), spreads (puck/run line, usually ±1.5) and totals at any point are consistent. A whole-number
      line's push is removed (probabilities conditional on no push).
    * Team strengths are fixed per seed; ``M``/``λ`` drift as a random walk in simulated time with occasional
      jumps (team news). In play the current score is simulated and the remaining fraction of the game is
      priced, so odds move toward the result; a market whose fair odds become extreme is suspended
      (not quoted).

Bookmakers (``BOOKMAKERS``; keys, titles and regions as The Odds API uses them)
    * Sharp books (pinnacle, betfair_ex_eu, lowvig, betonlineag, matchbook) quote the latent fair line with a
      2–3 % overround (``Σ 1/price − 1``) and reprice on every fetch. The sharp spread/total point is the
      latent median rounded to .5 (goals games: the nearest x.5 line; spreads never inside ±1.5 pre-game).
    * Soft books (draftkings, fanduel, betmgm, williamhill_us, betrivers, bovada, unibet_eu, williamhill,
      sport888, pointsbetus, fanatics) add 4–8 %. Before the game each reprices an event only with its own
      probability per fetch (at least every two simulated hours), so its line lags and its ``last_update``
      stays old; now and then a book goes stale on an event for 1–5 simulated hours. In play a soft book
      reprices with probability 0.7 per fetch and pulls a line older than 3 simulated minutes instead of
      leaving it up. Soft books sometimes shade one side (from a little under to ~0.6 % over fair on that
      side) and often sit 0.5–1.5 off the sharp point (priced correctly for their point). So +EV prices,
      arbitrages (books lagging opposite ways) and middles (different points) appear and disappear.
    * ``n_books`` picks the first ``n_books`` of the table, or adds synthetic soft books ``softbook_<n>`` for
      benchmarks. Exchanges quote h2h only (back prices; no ``h2h_lay``).
    * Margin is added evenly to the implied probabilities (longshots carry more relative margin). Prices are
      rounded down (in the book's favour) as quoted: Pinnacle to 3 decimals, Betfair/Matchbook to the
      exchange tick ladder, others to 2. A market needing a price under 1.02 (or a fair chance under 2 %) is
      suspended: not quoted by anyone.

Markets: ``h2h`` everywhere, ``spreads`` and ``totals`` for US leagues, ``totals`` for soccer. Outcome names
are the team names (h2h, spreads: home first), ``Draw`` (soccer h2h, last), ``Over``/``Under`` (totals);
spreads points mirror (home −x, away +x), totals use one point for Over and Under within a book.

Performance: pure Python with ``random.Random`` plus a small numpy convolution per goals game; fair lines
are computed once per event and fetch and shared by the books; quotes a book did not reprice are reused
objects, so a fetch costs roughly the repriced quotes (about 8 ms for 24 events, about 0.5 s for 1,000).

Layout: ``leagues`` and ``bookmakers`` hold the tables, ``pricers`` the fair lines of one game, ``state`` what
the market remembers between fetches, ``provider`` the schedule, the latent model and the books' quoting.
"""

from fairedge.odds.providers.simulator.bookmakers import BOOKMAKERS, BookSpec
from fairedge.odds.providers.simulator.leagues import SPORTS, SportSpec
from fairedge.odds.providers.simulator.provider import SimulatorProvider

__all__ = ["BOOKMAKERS", "SPORTS", "BookSpec", "SimulatorProvider", "SportSpec"]
