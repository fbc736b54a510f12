/** The +EV table's columns: how each reads a row, sorts and shows. */
import type { EvBet } from "../../api/types";
import { formatAge, formatMoney, formatOdds, formatPercent, formatPoint, formatStart, odds } from "../../lib/format";
import type { OddsFormat } from "../../lib/preferences";
import { ageSeconds, type Row } from "./feed";

export interface Context {
  now: number;
  oddsFormat: OddsFormat;
  /** null: no bankroll set; stakes are shown as shares of the bankroll. */
  bankroll: number | null;
  /** The user's multiplier of full Kelly (0.25 = quarter Kelly). */
  kellyMultiplier: number;
}

export type ColumnId =
  | "event"
  | "start"
  | "market"
  | "outcome"
  | "book"
  | "price"
  | "fair"
  | "ev"
  | "stake"
  | "age"
  | "record";

export interface Column {
  id: ColumnId;
  label: string;
  numeric: boolean;
  width: string;
  sortValue: (row: Row<EvBet>, context: Context) => number | string;
}

/** The stake's share of the bankroll: the user's Kelly multiplier × the bet's full-Kelly share. */
export function kellyShare(bet: EvBet, kellyMultiplier: number): number {
  return kellyMultiplier * bet.kelly_fraction;
}

/** bankroll × Kelly multiplier × full Kelly; null without a bankroll. */
export function kellyStake(bet: EvBet, bankroll: number | null, kellyMultiplier: number): number | null {
  return bankroll === null ? null : bankroll * kellyShare(bet, kellyMultiplier);
}

function leg(bet: EvBet) {
  return bet.legs[0];
}

export function outcomeText(bet: EvBet): string {
  const first = leg(bet);
  return first ? `${first.outcome} ${formatPoint(first.point, bet.market)}`.trim() : "—";
}

export const COLUMNS: readonly Column[] = [
  {
    id: "event",
    label: "Event",
    numeric: false,
    width: "minmax(11rem, 2.2fr)",
    sortValue: (r) => `${r.item.event.away_team} @ ${r.item.event.home_team}`,
  },
  {
    id: "start",
    label: "Start",
    numeric: false,
    width: "6.5rem",
    sortValue: (r) => Date.parse(r.item.event.commence_time),
  },
  { id: "market", label: "Market", numeric: false, width: "5rem", sortValue: (r) => r.item.market },
  { id: "outcome", label: "Outcome", numeric: false, width: "minmax(7rem, 1.2fr)", sortValue: (r) => outcomeText(r.item) },
  { id: "book", label: "Book", numeric: false, width: "minmax(5.5rem, 0.8fr)", sortValue: (r) => leg(r.item)?.bookmaker ?? "" },
  { id: "price", label: "Price", numeric: true, width: "4.5rem", sortValue: (r) => leg(r.item)?.price_decimal ?? 0 },
  { id: "fair", label: "Fair", numeric: true, width: "4.5rem", sortValue: (r) => r.item.fair_odds_decimal },
  { id: "ev", label: "EV", numeric: true, width: "4.5rem", sortValue: (r) => r.item.ev },
  {
    id: "stake",
    label: "Kelly stake",
    numeric: true,
    width: "6rem",
    sortValue: (r, c) => kellyShare(r.item, c.kellyMultiplier),
  },
  { id: "age", label: "Age", numeric: true, width: "5rem", sortValue: (r, c) => ageSeconds(r, c.now) },
  // The bet tracker's one-click "Record" (features/bets): sorted by whether the stake is worth recording.
  { id: "record", label: "Track", numeric: false, width: "6.5rem", sortValue: (r) => r.item.kelly_fraction },
];

export const GRID_COLUMNS = COLUMNS.map((c) => c.width).join(" ");

export function cellText(id: ColumnId, row: Row<EvBet>, context: Context): string {
  const bet = row.item;
  const first = leg(bet);
  switch (id) {
    case "event":
      return `${bet.event.away_team} @ ${bet.event.home_team}`;
    case "start":
      return formatStart(bet.event.commence_time);
    case "market":
      return bet.market;
    case "outcome":
      return outcomeText(bet);
    case "book":
      return first?.bookmaker ?? "—";
    case "price":
      return first ? formatOdds(odds(first.price_decimal, first.price_american), context.oddsFormat) : "—";
    case "fair":
      return formatOdds(odds(bet.fair_odds_decimal, bet.fair_odds_american), context.oddsFormat);
    case "ev":
      return formatPercent(bet.ev, true);
    case "stake":
      return context.bankroll === null
        ? formatPercent(kellyShare(bet, context.kellyMultiplier))
        : formatMoney(kellyStake(bet, context.bankroll, context.kellyMultiplier));
    case "age":
      return formatAge(ageSeconds(row, context.now));
    case "record":
      return "Record";
  }
}

export type SortDirection = "asc" | "desc";

export function sortRows(
  rows: Row<EvBet>[],
  column: Column,
  direction: SortDirection,
  context: Context,
): Row<EvBet>[] {
  const sign = direction === "asc" ? 1 : -1;
  const keyed = rows.map((row) => ({ row, key: column.sortValue(row, context) }));
  keyed.sort((a, b) => {
    if (a.key < b.key) return -sign;
    if (a.key > b.key) return sign;
    return a.row.item.id - b.row.item.id;
  });
  return keyed.map((k) => k.row);
}
