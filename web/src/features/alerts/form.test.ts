import { describe, expect, it } from "vitest";
import { bodyOf, DraftError, draftOf, EMPTY_DRAFT } from "./form";

describe("alert form", () => {
  it("turns the fields into the API's body: percentages to fractions, books split, blanks to null", () => {
    const body = bodyOf(
      {
        ...EMPTY_DRAFT,
        name: " Big NBA edges ",
        webhookUrl: "http://127.0.0.1:9/hook",
        kinds: ["ev", "middle"],
        league: "basketball_nba",
        books: "draftkings, fanduel,",
        minEvPercent: "2.5",
      },
      true,
    );
    expect(body).toEqual({
      name: "Big NBA edges",
      channel: "generic",
      webhook_url: "http://127.0.0.1:9/hook",
      filters: {
        kind: ["ev", "middle"],
        sport: null,
        league: "basketball_nba",
        market: null,
        bookmaker: ["draftkings", "fanduel"],
        min_ev: 0.025,
        min_profit_margin: null,
      },
    });
  });

  it("names the field to fix", () => {
    expect(() => bodyOf({ ...EMPTY_DRAFT, webhookUrl: "https://x.test" }, true)).toThrow(/name/);
    expect(() => bodyOf({ ...EMPTY_DRAFT, name: "a" }, true)).toThrow(/webhook URL is needed/);
    expect(() => bodyOf({ ...EMPTY_DRAFT, name: "a", webhookUrl: "ftp://x" }, true)).toThrow(DraftError);
    expect(() => bodyOf({ ...EMPTY_DRAFT, name: "a", webhookUrl: "https://x.test", minEvPercent: "lots" }, true)).toThrow(
      /Min EV/,
    );
  });

  it("lets an edit keep the stored webhook (empty URL) and round-trips the filter", () => {
    const draft = draftOf({
      id: 1,
      name: "n",
      status: "active",
      paused_reason: null,
      paused_at: null,
      channel: "slack",
      webhook: "https://hooks.slack.com/…",
      filters: {
        kind: ["arbitrage"],
        sport: null,
        league: null,
        market: "totals",
        bookmaker: ["a", "b"],
        min_ev: null,
        min_profit_margin: 0.005,
        method: null,
      },
      consecutive_failures: 0,
      created_at: "",
      updated_at: "",
    });
    expect(draft).toMatchObject({ channel: "slack", webhookUrl: "", books: "a, b", minMarginPercent: "0.5" });
    expect(bodyOf(draft, false).filters).toMatchObject({ kind: ["arbitrage"], min_profit_margin: 0.005, market: "totals" });
  });
});
