import { describe, expect, it } from "vitest";
import { changeOf } from "./PreferencesForm";

const draft = {
  bankroll: "2500",
  kellyPercent: "25",
  oddsFormat: "decimal" as const,
  theme: "dark" as const,
  sport: " basketball ",
  league: "",
  market: "totals",
  books: "pinnacle, fanduel,,",
  minEvPercent: "2.5",
  maxAgeSeconds: "60",
  method: "shin",
};

describe("changeOf", () => {
  it("turns the form into the API's preferences (fractions, lists, nulls for empty fields)", () => {
    expect(changeOf(draft)).toEqual({
      bankroll: 2500,
      kelly_multiplier: 0.25,
      odds_format: "decimal",
      theme: "dark",
      default_filters: {
        sport: "basketball",
        league: null,
        market: "totals",
        books: ["pinnacle", "fanduel"],
        min_ev: 0.025,
        max_age_seconds: 60,
        devig_method: "shin",
      },
    });
  });

  it("clears the bankroll and the devig method when left empty", () => {
    const change = changeOf({ ...draft, bankroll: " ", method: "" });
    expect(change).toMatchObject({ bankroll: null, default_filters: { devig_method: null } });
  });

  it.each([
    [{ bankroll: "-5" }, "Bankroll must be a positive amount."],
    [{ bankroll: "lots" }, "Bankroll must be a positive amount."],
    [{ kellyPercent: "0" }, "Kelly multiplier must be above 0 % and at most 100 % of full Kelly."],
    [{ kellyPercent: "150" }, "Kelly multiplier must be above 0 % and at most 100 % of full Kelly."],
    [{ minEvPercent: "x" }, "Minimum EV must be a number (percent)."],
    [{ maxAgeSeconds: "-1" }, "Maximum quote age must be 0 seconds or more."],
  ])("refuses %o, saying which field is wrong", (bad, message) => {
    expect(changeOf({ ...draft, ...bad })).toBe(message);
  });
});
