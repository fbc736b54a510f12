/** Pure helpers of the bet tracker: CLV in words, results in words, the profit curve, the stake from Kelly. */
import { formatPercent } from "../../lib/format";
import type { Bet, Result } from "./queries";

export const RESULTS: readonly Result[] = ["win", "loss", "push", "void", "half_win", "half_loss"];

export const RESULT_NAMES: Record<string, string> = {
  win: "Win",
  loss: "Loss",
  push: "Push",
  void: "Void",
  half_win: "Half win",
  half_loss: "Half loss",
  open: "Open",
};

/** The price CLV (book's own close at the bet's point) as text; its absence said in words. */
export function priceClvText(bet: Pick<Bet, "price_clv_status" | "clv_price">): string {
  if (bet.price_clv_status === "pending") return "awaiting close";
  if (bet.price_clv_status === "no_comparable_close") return "no comparable close";
  return formatPercent(bet.clv_price, true);
}

/** The no-vig probability CLV (sharp closing fair line at the bet's point) in percentage points. */
export function probClvText(bet: Pick<Bet, "prob_clv_status" | "clv_prob">): string {
  if (bet.prob_clv_status === "pending") return "awaiting close";
  if (bet.prob_clv_status === "no_comparable_close") return "no comparable close";
  if (bet.clv_prob === null || !Number.isFinite(bet.clv_prob)) return "—";
  const points = (bet.clv_prob * 100).toFixed(1);
  return `${bet.clv_prob > 0 ? "+" : ""}${points} pp`;
}

export function tone(value: number | null | undefined): "positive" | "negative" | "" {
  if (value === null || value === undefined || value === 0 || !Number.isFinite(value)) return "";
  return value > 0 ? "positive" : "negative";
}

export interface Curve {
  /** Settlement times, unix seconds, ascending. */
  times: number[];
  /** Cumulative profit after each settlement. */
  profit: number[];
}

/** Cumulative profit over settlement time of the settled bets (ties kept in id order). */
export function profitCurve(bets: readonly Bet[]): Curve {
  const settled = bets
    .filter((b) => b.status === "settled" && b.profit !== null && b.settled_at !== null)
    .map((b) => ({ at: Date.parse(b.settled_at ?? ""), id: b.id, profit: b.profit ?? 0 }))
    .filter((b) => Number.isFinite(b.at))
    .sort((a, b) => a.at - b.at || a.id - b.id);
  const times: number[] = [];
  const profit: number[] = [];
  // The curve starts at zero when the first of these bets was placed (a lone settlement is then a line).
  const placed = bets
    .filter((b) => b.status === "settled")
    .map((b) => Date.parse(b.placed_at) / 1000)
    .filter(Number.isFinite);
  const start = placed.reduce((a, b) => Math.min(a, b), Infinity);
  if (settled.length && start < settled[0]!.at / 1000) {
    times.push(start);
    profit.push(0);
  }
  let total = 0;
  for (const bet of settled) {
    total += bet.profit;
    const t = bet.at / 1000;
    // uPlot wants strictly increasing x: bets settled in the same second share one point.
    if (times.length && times[times.length - 1] === t) profit[profit.length - 1] = total;
    else {
      times.push(t);
      profit.push(total);
    }
  }
  return { times, profit };
}

/**
 * The stake "Record bet" uses: the user's bankroll × Kelly multiplier × the bet's full-Kelly share, rounded to
 * cents; without a bankroll (or when Kelly says nothing) one unit.
 */
export function defaultStake(bankroll: number | null, kellyMultiplier: number, fullKelly: number): number {
  const stake = bankroll === null ? 0 : bankroll * kellyMultiplier * fullKelly;
  return stake >= 0.01 ? Math.round(stake * 100) / 100 : 1;
}
