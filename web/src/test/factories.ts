/** Opportunities shaped as the API sends them (the list's item, from the generated schema). */
import type { EvBet } from "../api/types";

export function evBet(id: number, overrides: Partial<EvBet> = {}): EvBet {
  const confirmed = new Date(Date.now() - 5_000).toISOString();
  return {
    id,
    kind: "ev",
    active: true,
    event: {
      id: 100 + (id % 7),
      sport: "basketball",
      league: "basketball_nba",
      league_title: "NBA",
      home_team: `Home ${id}`,
      away_team: `Away ${id}`,
      commence_time: new Date(Date.now() + 3_600_000).toISOString(),
      status: "upcoming",
    },
    market: "h2h",
    period: "full_game",
    legs: [
      {
        bookmaker: `book${id % 5}`,
        market_id: id,
        outcome: `Home ${id}`,
        point: null,
        price_decimal: 2.5,
        price_american: 150,
        net_price_decimal: 2.5,
        stake: 1,
        payout: 2.5,
      },
    ],
    confirmed_at: confirmed,
    quote_age_seconds: 5,
    book_updated_at: confirmed,
    first_seen: confirmed,
    last_seen: confirmed,
    ended_at: null,
    end_reason: null,
    lifespan_seconds: 30,
    ev: 0.01 + (id % 50) / 1000,
    fair_prob: 0.42,
    fair_odds_decimal: 2.38,
    fair_odds_american: 138,
    kelly_fraction: 0.02,
    hold: 0.045,
    devig_method: "shin",
    fair_source: "sharp",
    sharp_books: ["pinnacle"],
    ...overrides,
  } as EvBet;
}
