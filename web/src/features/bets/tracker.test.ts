import { describe, expect, it } from "vitest";
import type { Bet } from "./queries";
import { defaultStake, priceClvText, probClvText, profitCurve } from "./tracker";

function bet(id: number, overrides: Partial<Bet> = {}): Bet {
  return {
    id,
    event_id: 1,
    sport: "basketball_nba",
    home_team: "Home",
    away_team: "Away",
    commence_time: "2026-12-01T00:00:00Z",
    market: "h2h",
    period: "full",
    outcome: "Home",
    point: null,
    bookmaker: "book",
    price_decimal: 2.1,
    price_american: 110,
    stake: 10,
    placed_at: "2026-11-30T00:00:00Z",
    opportunity_id: null,
    opportunity_kind: null,
    ev_at_placement: null,
    fair_prob_at_placement: null,
    status: "open",
    result: null,
    profit: null,
    settled_at: null,
    settled_by: null,
    final_score: null,
    price_clv_status: "pending",
    closing_price: null,
    clv_price: null,
    prob_clv_status: "pending",
    closing_fair_prob: null,
    clv_prob: null,
    clv_devig_method: null,
    ...overrides,
  };
}

describe("CLV in words", () => {
  it("shows price CLV as a signed percentage and says when no close is comparable", () => {
    expect(priceClvText(bet(1, { price_clv_status: "ok", clv_price: 0.0345 }))).toBe("+3.5%");
    expect(priceClvText(bet(1, { price_clv_status: "ok", clv_price: -0.02 }))).toBe("-2.0%");
    expect(priceClvText(bet(1, { price_clv_status: "no_comparable_close" }))).toBe("no comparable close");
    expect(priceClvText(bet(1))).toBe("awaiting close");
  });

  it("shows no-vig CLV in percentage points", () => {
    expect(probClvText(bet(1, { prob_clv_status: "ok", clv_prob: 0.0123 }))).toBe("+1.2 pp");
    expect(probClvText(bet(1, { prob_clv_status: "ok", clv_prob: -0.05 }))).toBe("-5.0 pp");
    expect(probClvText(bet(1, { prob_clv_status: "no_comparable_close", clv_prob: null }))).toBe(
      "no comparable close",
    );
  });
});

describe("profitCurve", () => {
  it("accumulates settled profit in settlement order, one point per second, open bets left out", () => {
    const curve = profitCurve([
      bet(3, { status: "settled", profit: -10, settled_at: "2026-12-01T03:00:00Z" }),
      bet(1, { status: "settled", profit: 11, settled_at: "2026-12-01T01:00:00Z" }),
      bet(2, { status: "settled", profit: 5, settled_at: "2026-12-01T01:00:00Z" }),
      bet(4, { status: "open" }),
    ]);
    expect(curve.times).toEqual(
      ["2026-11-30T00:00:00Z", "2026-12-01T01:00:00Z", "2026-12-01T03:00:00Z"].map((t) => Date.parse(t) / 1000),
    );
    expect(curve.profit).toEqual([0, 16, 6]);
  });

  it("is empty before anything settled", () => {
    expect(profitCurve([bet(1)])).toEqual({ times: [], profit: [] });
  });
});

describe("defaultStake", () => {
  it("is the bankroll times the Kelly multiplier times full Kelly, in cents", () => {
    expect(defaultStake(1000, 0.25, 0.0333)).toBe(8.33);
  });

  it("is one unit without a bankroll or when Kelly rounds to nothing", () => {
    expect(defaultStake(null, 0.25, 0.05)).toBe(1);
    expect(defaultStake(10, 0.25, 0.001)).toBe(1);
  });
});
