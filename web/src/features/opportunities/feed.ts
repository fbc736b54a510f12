/**
 * The live list's state: rows by id with what happened to them (new rows highlighted a moment, ended rows fading
 * out before they go), and each row's confirmation instant on this browser's clock so quote ages tick here.
 *
 * Pure functions over immutable state: the stream's events and the polling fallback's pages go through the same
 * reducer.
 */
import type { Hidden } from "../../api/types";

export const NEW_MS = 4_000;
export const FADE_MS = 2_000;

export interface FeedItem {
  id: number;
  confirmed_at: string;
  quote_age_seconds: number;
}

export interface Row<T extends FeedItem> {
  item: T;
  status: "new" | "live" | "ended";
  /** When the status was set (local ms). */
  since: number;
  /** The quote's confirmation instant on the local clock (ms): its age is now − this. */
  confirmedLocal: number;
  endReason?: string;
}

export interface FeedState<T extends FeedItem> {
  rows: ReadonlyMap<number, Row<T>>;
  hidden: Hidden | null;
  /** Local clock − server clock (ms), from the last item received; 0 before any. */
  clockOffset: number;
  /** A snapshot or page has arrived (before it, the list is loading, not empty). */
  loaded: boolean;
}

export type FeedAction<T extends FeedItem> =
  | { type: "snapshot"; items: T[]; hidden: Hidden | null; now: number; highlight?: boolean }
  | { type: "opened" | "updated"; item: T; now: number }
  | { type: "ended"; id: number; reason: string; now: number }
  | { type: "confirmed"; confirmedAt: string; ids: number[] }
  | { type: "hidden"; hidden: Hidden | null }
  | { type: "tick"; now: number }
  | { type: "clear" };

export function emptyFeed<T extends FeedItem>(): FeedState<T> {
  return { rows: new Map(), hidden: null, clockOffset: 0, loaded: false };
}

function offsetOf(item: FeedItem, now: number): number {
  const confirmed = Date.parse(item.confirmed_at);
  return Number.isFinite(confirmed) ? now - item.quote_age_seconds * 1000 - confirmed : 0;
}

function rowFor<T extends FeedItem>(item: T, now: number, status: Row<T>["status"], since: number): Row<T> {
  return { item, status, since, confirmedLocal: now - item.quote_age_seconds * 1000 };
}

export function feedReducer<T extends FeedItem>(state: FeedState<T>, action: FeedAction<T>): FeedState<T> {
  switch (action.type) {
    case "snapshot": {
      // A full answer: rows it lacks end (and fade), rows it brings that were not there are new. The first
      // snapshot of a list highlights nothing.
      const rows = new Map<number, Row<T>>();
      const highlight = action.highlight ?? state.loaded;
      for (const item of action.items) {
        const before = state.rows.get(item.id);
        const isNew = highlight && (before === undefined || before.status === "ended");
        const status = isNew ? "new" : before?.status === "new" ? "new" : "live";
        rows.set(item.id, rowFor(item, action.now, status, isNew ? action.now : (before?.since ?? action.now)));
      }
      for (const [id, row] of state.rows) {
        if (!rows.has(id) && state.loaded) {
          rows.set(id, row.status === "ended" ? row : { ...row, status: "ended", since: action.now, endReason: "gone" });
        }
      }
      const first = action.items[0];
      return {
        rows,
        hidden: action.hidden,
        clockOffset: first ? offsetOf(first, action.now) : state.clockOffset,
        loaded: true,
      };
    }
    case "opened":
    case "updated": {
      const rows = new Map(state.rows);
      const before = rows.get(action.item.id);
      const isNew = action.type === "opened" || before === undefined || before.status === "ended";
      rows.set(
        action.item.id,
        rowFor(action.item, action.now, isNew ? "new" : before.status, isNew ? action.now : before.since),
      );
      return { ...state, rows, clockOffset: offsetOf(action.item, action.now) };
    }
    case "ended": {
      const before = state.rows.get(action.id);
      if (before === undefined || before.status === "ended") return state;
      const rows = new Map(state.rows);
      rows.set(action.id, { ...before, status: "ended", since: action.now, endReason: action.reason });
      return { ...state, rows };
    }
    case "confirmed": {
      const confirmed = Date.parse(action.confirmedAt);
      if (!Number.isFinite(confirmed)) return state;
      const rows = new Map(state.rows);
      let changed = false;
      for (const id of action.ids) {
        const before = rows.get(id);
        if (before === undefined) continue;
        changed = true;
        rows.set(id, {
          ...before,
          item: { ...before.item, confirmed_at: action.confirmedAt },
          confirmedLocal: confirmed + state.clockOffset,
        });
      }
      return changed ? { ...state, rows } : state;
    }
    case "hidden":
      // What the plan withholds changed (a scan brought rows it delays or leaves out, a delay ended).
      return { ...state, hidden: action.hidden };
    case "tick": {
      let rows: Map<number, Row<T>> | null = null;
      for (const [id, row] of state.rows) {
        const expired =
          (row.status === "ended" && action.now - row.since >= FADE_MS) ||
          (row.status === "new" && action.now - row.since >= NEW_MS);
        if (!expired) continue;
        rows ??= new Map(state.rows);
        if (row.status === "ended") rows.delete(id);
        else rows.set(id, { ...row, status: "live" });
      }
      return rows === null ? state : { ...state, rows };
    }
    case "clear":
      return emptyFeed<T>();
  }
}

/** The quote's age in seconds at `now` (local ms), ticking without a server round trip. */
export function ageSeconds(row: Row<FeedItem>, now: number): number {
  return Math.max(0, (now - row.confirmedLocal) / 1000);
}
