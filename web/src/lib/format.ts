/** How people read numbers here: odds as bettors do, money with two decimals, percentages with one. */
import type { OddsFormat } from "./preferences";

export interface Odds {
  american: number;
  decimal: number;
}

export function formatAmerican(american: number): string {
  const rounded = Math.round(american);
  return rounded > 0 ? `+${rounded}` : `${rounded}`;
}

export function formatOdds(odds: Odds | null | undefined, format: OddsFormat): string {
  if (!odds) return "—";
  return format === "american" ? formatAmerican(odds.american) : odds.decimal.toFixed(2);
}

/** American odds from decimal (decimal 2.5 is +150, 1.909 is -110). */
export function decimalToAmerican(decimal: number): number {
  return decimal >= 2 ? (decimal - 1) * 100 : -100 / (decimal - 1);
}

/** Both forms of a price the API sends as decimal with American when it has it. */
export function odds(decimal: number | null | undefined, american?: number | null): Odds | null {
  if (decimal === null || decimal === undefined || !Number.isFinite(decimal) || decimal <= 1) return null;
  return { decimal, american: american ?? decimalToAmerican(decimal) };
}

/** A fraction (0.023) as a percentage with one decimal ("2.3%"). */
export function formatPercent(fraction: number | null | undefined, signed = false): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "—";
  const text = `${(fraction * 100).toFixed(1)}%`;
  return signed && fraction > 0 ? `+${text}` : text;
}

const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatMoney(amount: number | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "—";
  return money.format(amount);
}

/** An age in seconds as "8s", "3m 05s", "2h 04m". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
});

export function formatStart(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : timeFormat.format(date);
}

/** A line's point: signed for spreads (+3.5, -3.5), plain for totals (Over 220.5). */
export function formatPoint(point: number | null | undefined, market = "spreads"): string {
  if (point === null || point === undefined) return "";
  if (market.startsWith("totals") || market.includes("total")) return `${point}`;
  return point > 0 ? `+${point}` : `${point}`;
}
