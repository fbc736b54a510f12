import { describe, expect, it } from "vitest";
import type { EvBet, Hidden } from "../../api/types";
import { evBet } from "../../test/factories";
import { ageSeconds, emptyFeed, FADE_MS, feedReducer, NEW_MS, type FeedAction, type FeedState } from "./feed";

const T0 = Date.parse("2026-12-02T12:00:00Z");

function run(actions: FeedAction<EvBet>[], state: FeedState<EvBet> = emptyFeed()): FeedState<EvBet> {
  return actions.reduce(feedReducer<EvBet>, state);
}

const quoted = (id: number, ageSeconds: number, serverNow = T0) =>
  evBet(id, { confirmed_at: new Date(serverNow - ageSeconds * 1000).toISOString(), quote_age_seconds: ageSeconds });

describe("feedReducer", () => {
  it("loads a first snapshot without highlighting it", () => {
    const state = run([{ type: "snapshot", items: [quoted(1, 3), quoted(2, 8)], hidden: null, now: T0 }]);
    expect(state.loaded).toBe(true);
    expect([...state.rows.values()].map((r) => r.status)).toEqual(["live", "live"]);
  });

  it("highlights opened rows, then lets the highlight go", () => {
    let state = run([
      { type: "snapshot", items: [quoted(1, 3)], hidden: null, now: T0 },
      { type: "opened", item: quoted(2, 0), now: T0 + 1000 },
    ]);
    expect(state.rows.get(2)?.status).toBe("new");
    state = feedReducer(state, { type: "tick", now: T0 + 1000 + NEW_MS });
    expect(state.rows.get(2)?.status).toBe("live");
  });

  it("fades ended rows out, then removes them", () => {
    let state = run([
      { type: "snapshot", items: [quoted(1, 3), quoted(2, 3)], hidden: null, now: T0 },
      { type: "ended", id: 1, reason: "stale", now: T0 + 500 },
    ]);
    expect(state.rows.get(1)).toMatchObject({ status: "ended", endReason: "stale" });
    state = feedReducer(state, { type: "tick", now: T0 + 500 + FADE_MS - 1 });
    expect(state.rows.has(1)).toBe(true);
    state = feedReducer(state, { type: "tick", now: T0 + 500 + FADE_MS });
    expect(state.rows.has(1)).toBe(false);
    expect(state.rows.has(2)).toBe(true);
  });

  it("treats a later snapshot (a poll) as a diff: missing rows end, unknown rows are new", () => {
    const state = run([
      { type: "snapshot", items: [quoted(1, 3), quoted(2, 3)], hidden: null, now: T0 },
      { type: "snapshot", items: [quoted(2, 5), quoted(3, 1)], hidden: null, now: T0 + 5000 },
    ]);
    expect(state.rows.get(1)?.status).toBe("ended");
    expect(state.rows.get(2)?.status).toBe("live");
    expect(state.rows.get(3)?.status).toBe("new");
  });

  it("updates a row in place, keeping its place and state", () => {
    const state = run([
      { type: "snapshot", items: [quoted(1, 3)], hidden: null, now: T0 },
      { type: "updated", item: { ...quoted(1, 0), ev: 0.09 }, now: T0 + 2000 },
    ]);
    expect(state.rows.get(1)?.item.ev).toBe(0.09);
    expect(state.rows.get(1)?.status).toBe("live");
  });

  it("ticks quote ages on this clock, whatever the server's clock says", () => {
    // The server's clock is 60 s behind this browser's: ages must not jump by a minute.
    const skew = 60_000;
    const state = run([{ type: "snapshot", items: [quoted(1, 10, T0 - skew)], hidden: null, now: T0 }]);
    const row = state.rows.get(1)!;
    expect(ageSeconds(row, T0)).toBeCloseTo(10);
    expect(ageSeconds(row, T0 + 5000)).toBeCloseTo(15);
    // A confirmation at the server's "now" resets the age to zero, on the same skewed clock.
    const confirmed = feedReducer(state, {
      type: "confirmed",
      confirmedAt: new Date(T0 - skew + 5000).toISOString(),
      ids: [1],
    });
    expect(ageSeconds(confirmed.rows.get(1)!, T0 + 5000)).toBeCloseTo(0);
  });

  it("keeps the plan's hidden counts of the last snapshot", () => {
    const hidden: Hidden = { total: 3, plan: "free", reasons: [{ reason: "delay", count: 3, message: "delayed 10 minutes" }] };
    const state = run([{ type: "snapshot", items: [], hidden, now: T0 }]);
    expect(state.hidden).toEqual(hidden);
    expect(state.loaded).toBe(true);
    expect(state.rows.size).toBe(0);
  });

  it("takes what the plan withholds from a hidden event, keeping the rows", () => {
    const none: Hidden = { total: 0, plan: "free", reasons: [] };
    const delayed: Hidden = { total: 1, plan: "free", reasons: [{ reason: "delay", count: 1, message: "delayed 5 minutes" }] };
    const state = run([
      { type: "snapshot", items: [quoted(1, 3)], hidden: none, now: T0 },
      { type: "hidden", hidden: delayed },
    ]);
    expect(state.hidden).toEqual(delayed);
    expect([...state.rows.keys()]).toEqual([1]);
  });

  it("ignores events about rows it does not hold", () => {
    const state = run([{ type: "snapshot", items: [quoted(1, 3)], hidden: null, now: T0 }]);
    expect(feedReducer(state, { type: "ended", id: 99, reason: "gone", now: T0 })).toBe(state);
    expect(feedReducer(state, { type: "confirmed", confirmedAt: new Date(T0).toISOString(), ids: [99] })).toBe(state);
  });
});
