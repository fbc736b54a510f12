import { describe, expect, it } from "vitest";
import { apiQuery, EMPTY_FILTERS, matchesBooks, parseFilters, toSearch, writeFilters } from "./filters";

describe("URL filters", () => {
  it("round-trips every filter through the URL", () => {
    const filters = {
      sport: "basketball",
      league: "basketball_nba",
      market: "spreads",
      books: ["fanduel", "draftkings"],
      minEv: 0.02,
      maxAgeSeconds: 60,
      method: "power" as const,
    };
    const params = writeFilters(filters, new URLSearchParams("sort=age&dir=asc"));
    expect(params.get("sort")).toBe("age");
    expect(params.get("min_ev")).toBe("0.02");
    expect(parseFilters(params)).toEqual(filters);
  });

  it("drops values the API would refuse", () => {
    const filters = parseFilters(new URLSearchParams("min_ev=abc&max_age=-5&method=magic&books=,,"));
    expect(filters).toEqual(EMPTY_FILTERS);
  });

  it("asks the API for one book, and filters several here", () => {
    const one = apiQuery({ ...EMPTY_FILTERS, books: ["fanduel"] }, "ev", 500);
    expect(one.bookmaker).toBe("fanduel");
    const two = apiQuery({ ...EMPTY_FILTERS, books: ["fanduel", "betmgm"] }, "ev", 500);
    expect(two.bookmaker).toBeUndefined();
    expect(matchesBooks([{ bookmaker: "betmgm" }], ["fanduel", "betmgm"])).toBe(true);
    expect(matchesBooks([{ bookmaker: "bovada" }], ["fanduel", "betmgm"])).toBe(false);
  });

  it("sends the minimum as EV, or as profit margin for arbitrage", () => {
    const filters = { ...EMPTY_FILTERS, minEv: 0.01 };
    expect(apiQuery(filters, "ev", 10)).toMatchObject({ min_ev: 0.01, min_profit_margin: undefined });
    expect(apiQuery(filters, "arbitrage", 10)).toMatchObject({ min_ev: undefined, min_profit_margin: 0.01 });
  });

  it("writes the stream's query string with kinds repeated and blanks left out", () => {
    const search = toSearch(apiQuery({ ...EMPTY_FILTERS, sport: "soccer" }, "middle", 200));
    expect(search.toString()).toBe("kind=middle&sport=soccer&limit=200");
  });
});
