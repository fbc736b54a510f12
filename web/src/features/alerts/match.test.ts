import { describe, expect, it } from "vitest";
import type { Arbitrage, Middle } from "../../api/types";
import { evBet } from "../../test/factories";
import { matchesFilter, matchingAlerts } from "./match";
import type { Alert, AlertFilters } from "./queries";

const ANY: AlertFilters = {
  kind: [],
  sport: null,
  league: null,
  market: null,
  bookmaker: [],
  min_ev: null,
  min_profit_margin: null,
  method: null,
};

function alert(id: number, filters: Partial<AlertFilters>, status: Alert["status"] = "active"): Alert {
  return {
    id,
    name: `alert ${id}`,
    status,
    paused_reason: null,
    paused_at: null,
    channel: "generic",
    webhook: "https://hooks.example/…",
    filters: { ...ANY, ...filters },
    consecutive_failures: 0,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
  };
}

// ev 0.02 (id 10), book0 (id 10 % 5), basketball / basketball_nba / NBA, h2h
const bet = evBet(10, { ev: 0.02 });

describe("matchesFilter (the server's terms)", () => {
  it("matches everything with an empty filter", () => {
    expect(matchesFilter(ANY, bet)).toBe(true);
  });

  it.each<[string, Partial<AlertFilters>, boolean]>([
    ["kind", { kind: ["ev"] }, true],
    ["other kind", { kind: ["arbitrage"] }, false],
    ["sport group, any case", { sport: "Basketball" }, true],
    ["sport as a key prefix", { sport: "basket" }, false],
    ["other sport", { sport: "soccer" }, false],
    ["league key", { league: "basketball_nba" }, true],
    ["league title", { league: "nba" }, true],
    ["other league", { league: "basketball_wnba" }, false],
    ["market", { market: "h2h" }, true],
    ["other market", { market: "totals" }, false],
    ["one of the books", { bookmaker: ["x", "book0"] }, true],
    ["other books", { bookmaker: ["book1"] }, false],
    ["min EV met", { min_ev: 0.02 }, true],
    ["min EV missed", { min_ev: 0.021 }, false],
    ["arbitrage margin ignored for +EV", { min_profit_margin: 0.5 }, true],
  ])("%s", (_name, filters, expected) => {
    expect(matchesFilter({ ...ANY, ...filters }, bet)).toBe(expected);
  });

  it("applies the margin to arbitrage and min EV to middles (none without fair lines)", () => {
    const arb = { ...bet, kind: "arbitrage", profit_margin: 0.01 } as unknown as Arbitrage;
    expect(matchesFilter({ ...ANY, min_profit_margin: 0.01, min_ev: 0.5 }, arb)).toBe(true);
    expect(matchesFilter({ ...ANY, min_profit_margin: 0.02 }, arb)).toBe(false);
    const middle = { ...bet, kind: "middle", ev: null } as unknown as Middle;
    expect(matchesFilter({ ...ANY, min_ev: 0 }, middle)).toBe(false);
    expect(matchesFilter(ANY, middle)).toBe(true);
  });
});

describe("matchingAlerts", () => {
  it("returns the active alerts the opportunity matches, paused ones never", () => {
    const alerts = [alert(1, { kind: ["ev"] }), alert(2, { market: "totals" }), alert(3, {}, "paused")];
    expect(matchingAlerts(alerts, bet).map((a) => a.id)).toEqual([1]);
  });
});
