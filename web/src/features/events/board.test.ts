import { describe, expect, it } from "vitest";
import type { BoardMarket } from "../../api/types";
import { bestHold, bookLines, hold, marketLabel } from "./board";

const market = {
  market_id: 18,
  market: "spreads",
  period: "full",
  point: -1.5,
  player: null,
  fair_source: "sharp",
  sharp_books: ["pinnacle"],
  updated: {},
  outcomes: [
    {
      name: "Red Sox",
      point: -1.5,
      best_price: 2.92,
      best_bookmakers: ["lowvig"],
      fair_prob: 0.33,
      fair_odds_decimal: 3.03,
      fair_odds_american: 203,
      prices: [
        { bookmaker: "lowvig", price_decimal: 2.92, price_american: 192, is_best: true },
        { bookmaker: "pinnacle", price_decimal: 2.9, price_american: 190, is_best: false },
      ],
    },
    {
      name: "Phillies",
      point: 1.5,
      best_price: 1.5,
      best_bookmakers: ["pinnacle"],
      fair_prob: 0.67,
      fair_odds_decimal: 1.49,
      fair_odds_american: -203,
      prices: [{ bookmaker: "pinnacle", price_decimal: 1.5, price_american: -200, is_best: true }],
    },
  ],
} as BoardMarket;

describe("odds board", () => {
  it("lays out books by outcomes, sharp books first, a hold only for complete books", () => {
    const lines = bookLines(market);
    expect(lines.map((l) => l.bookmaker)).toEqual(["pinnacle", "lowvig"]);
    expect(lines[0]!.hold).toBeCloseTo(1 / 2.9 + 1 / 1.5 - 1);
    expect(lines[1]!.prices[1]).toBeNull();
    expect(lines[1]!.hold).toBeNull();
    expect(lines[1]!.prices[0]?.isBest).toBe(true);
  });

  it("computes the best-price hold, negative for an arbitrage", () => {
    expect(bestHold(market)).toBeCloseTo(1 / 2.92 + 1 / 1.5 - 1);
    expect(hold([2.1, 2.1])).toBeLessThan(0);
  });

  it("labels markets with their point", () => {
    expect(marketLabel(market)).toBe("spreads -1.5");
    expect(marketLabel({ ...market, market: "totals", point: 8.5 })).toBe("totals 8.5");
    expect(marketLabel({ ...market, market: "h2h", point: null, period: "1st_half" })).toBe("h2h · 1st_half");
  });
});
