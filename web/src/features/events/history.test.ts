import { describe, expect, it } from "vitest";
import type { HistorySeries } from "../../api/types";
import { chartData } from "./history";

const t = (seconds: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, seconds)).toISOString();
const T = (seconds: number) => Date.UTC(2026, 11, 2, 12, 0, seconds) / 1000;

function series(bookmaker: string, outcome: string, prices: [number, number, number | null][]): HistorySeries {
  return {
    market_id: 1,
    market: "h2h",
    period: "full",
    player: null,
    point: null,
    bookmaker,
    outcome,
    points: prices.map(([price, from, to]) => ({
      price_decimal: price,
      price_american: null,
      first_seen: t(from),
      last_seen: t(from),
      superseded_at: to === null ? null : t(to),
    })),
  };
}

describe("line movement", () => {
  const data = [
    series("pinnacle", "Home", [
      [1.9, 0, 10],
      [1.8, 10, null],
    ]),
    series("pinnacle", "Away", [
      [2.0, 0, 10],
      [2.1, 10, null],
    ]),
    series("fanduel", "Home", [[1.85, 0, null]]),
  ];

  it("plots the sharp books' step lines on one time axis", () => {
    const chart = chartData(data, 1, "Home", ["pinnacle"], ["Home", "Away"]);
    expect(chart.times).toEqual([T(0), T(10)]);
    expect(chart.lines[0]).toEqual({ label: "pinnacle", values: [1.9, 1.8] });
    expect(chart.lines.some((l) => l.label === "fanduel")).toBe(false);
  });

  it("adds the sharp books' no-vig line (multiplicative), above the vigged price", () => {
    const chart = chartData(data, 1, "Home", ["pinnacle"], ["Home", "Away"]);
    const fair = chart.lines.find((l) => l.fair)!;
    const p0 = 1 / 1.9 / (1 / 1.9 + 1 / 2.0);
    expect(fair.values[0]).toBeCloseTo(1 / p0);
    expect(fair.values[0]!).toBeGreaterThan(1.9);
  });

  it("has no no-vig line while no sharp book quotes the whole market", () => {
    const chart = chartData([data[0]!], 1, "Home", ["pinnacle"], ["Home", "Away"]);
    expect(chart.lines.some((l) => l.fair)).toBe(false);
  });
});
