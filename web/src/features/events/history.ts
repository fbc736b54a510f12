/**
 * Line movement for the chart: each book's price history (step functions: a price holds from first_seen until
 * superseded_at) sampled on one shared time axis, and the sharp books' no-vig line at each instant.
 *
 * The API keeps no history of the fair line itself, so the chart's "sharp no-vig" line is computed here from
 * the sharp books' own prices, multiplicative devig (p_i = (1/d_i) / Σ 1/d_j, per book, averaged over the sharp
 * books quoting the whole market at that instant). It is labelled as such; the board's fair line above uses
 * the deployment's method and weights.
 */
import type { HistorySeries } from "../../api/types";

export interface ChartData {
  /** Unix seconds. */
  times: number[];
  lines: { label: string; values: (number | null)[]; fair?: boolean }[];
}

function priceAt(series: HistorySeries, t: number): number | null {
  // points are few (tens): a scan is cheaper than keeping an index
  let price: number | null = null;
  for (const point of series.points) {
    const from = Date.parse(point.first_seen) / 1000;
    const to = point.superseded_at === null ? Infinity : Date.parse(point.superseded_at) / 1000;
    if (from <= t && t < to) price = point.price_decimal;
  }
  return price;
}

export function chartData(
  series: readonly HistorySeries[],
  marketId: number,
  outcome: string,
  sharpBooks: readonly string[],
  /** The market's outcomes (the board's): a book's no-vig price needs its price on each. */
  outcomes: readonly string[],
): ChartData {
  const market = series.filter((s) => s.market_id === marketId);
  const sharp = new Set(sharpBooks);
  const timeSet = new Set<number>();
  for (const s of market) {
    for (const p of s.points) {
      timeSet.add(Date.parse(p.first_seen) / 1000);
      if (p.superseded_at !== null) timeSet.add(Date.parse(p.superseded_at) / 1000);
    }
  }
  const times = [...timeSet].filter(Number.isFinite).sort((a, b) => a - b);
  const byBook = new Map<string, HistorySeries[]>();
  for (const s of market) {
    if (!sharp.has(s.bookmaker)) continue;
    byBook.set(s.bookmaker, [...(byBook.get(s.bookmaker) ?? []), s]);
  }

  const lines: ChartData["lines"] = [];
  for (const [bookmaker, books] of [...byBook].sort(([a], [b]) => a.localeCompare(b))) {
    const mine = books.find((s) => s.outcome === outcome);
    if (mine) lines.push({ label: bookmaker, values: times.map((t) => priceAt(mine, t)) });
  }

  const fair = times.map((t) => {
    const probabilities: number[] = [];
    for (const books of byBook.values()) {
      const prices = outcomes.map((name) => {
        const s = books.find((b) => b.outcome === name);
        return s ? priceAt(s, t) : null;
      });
      if (prices.some((p) => p === null || p <= 1)) continue;
      const inverse = prices.map((p) => 1 / p!);
      const total = inverse.reduce((a, b) => a + b, 0);
      probabilities.push(inverse[outcomes.indexOf(outcome)]! / total);
    }
    if (probabilities.length === 0) return null;
    const p = probabilities.reduce((a, b) => a + b, 0) / probabilities.length;
    return 1 / p;
  });
  if (fair.some((v) => v !== null)) lines.push({ label: "sharp no-vig", values: fair, fair: true });
  return { times, lines };
}
