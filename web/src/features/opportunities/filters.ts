/**
 * The opportunity filters as they live in the URL (shareable, back/forward work) and as the API takes them.
 * Rates stay fractions in the URL (`min_ev=0.02`), as the API sends and takes them.
 */
import type { paths } from "../../api/schema";
import type { DevigMethod } from "../../api/types";

/** The list's query parameters (GET /api/opportunities); the stream takes the same. */
export type ListQuery = NonNullable<paths["/api/opportunities"]["get"]["parameters"]["query"]> & { limit: number };
import { DEVIG_METHODS } from "../../api/types";

export interface Filters {
  sport: string;
  league: string;
  market: string;
  /** Books to show (any leg at one of them); empty: all. */
  books: string[];
  /** Minimum EV (or arbitrage profit margin) as a fraction; null: none. */
  minEv: number | null;
  /** Quotes confirmed at most this many seconds ago; null: any age. */
  maxAgeSeconds: number | null;
  method: DevigMethod | null;
}

export const EMPTY_FILTERS: Filters = {
  sport: "",
  league: "",
  market: "",
  books: [],
  minEv: null,
  maxAgeSeconds: null,
  method: null,
};

const FILTER_KEYS = ["sport", "league", "market", "books", "min_ev", "max_age", "method"] as const;

function numberOrNull(text: string | null, min: number, max: number): number | null {
  if (text === null || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : null;
}

export function parseFilters(params: URLSearchParams): Filters {
  const method = params.get("method");
  return {
    sport: params.get("sport") ?? "",
    league: params.get("league") ?? "",
    market: params.get("market") ?? "",
    books: (params.get("books") ?? "")
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
    minEv: numberOrNull(params.get("min_ev"), -1, 100),
    maxAgeSeconds: numberOrNull(params.get("max_age"), 0, 2_592_000),
    method: DEVIG_METHODS.includes(method as DevigMethod) ? (method as DevigMethod) : null,
  };
}

/** `params` with the filters written over their keys (other keys, e.g. the sort, are kept). */
export function writeFilters(filters: Filters, params = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FILTER_KEYS) next.delete(key);
  if (filters.sport) next.set("sport", filters.sport);
  if (filters.league) next.set("league", filters.league);
  if (filters.market) next.set("market", filters.market);
  if (filters.books.length) next.set("books", filters.books.join(","));
  if (filters.minEv !== null) next.set("min_ev", String(filters.minEv));
  if (filters.maxAgeSeconds !== null) next.set("max_age", String(filters.maxAgeSeconds));
  if (filters.method) next.set("method", filters.method);
  return next;
}

export function hasFilters(params: URLSearchParams): boolean {
  return FILTER_KEYS.some((key) => params.has(key));
}

export type Kind = "ev" | "arbitrage" | "middle";

/**
 * The list's query parameters for these filters (also the stream's). One book goes to the API; several are
 * matched here (`matchesBooks`), the API taking one `bookmaker`.
 */
export function apiQuery(filters: Filters, kind: Kind, limit: number): ListQuery {
  return {
    kind: [kind],
    sport: filters.sport || undefined,
    league: filters.league || undefined,
    market: filters.market || undefined,
    bookmaker: filters.books.length === 1 ? filters.books[0] : undefined,
    min_ev: kind !== "arbitrage" && filters.minEv !== null ? filters.minEv : undefined,
    min_profit_margin: kind === "arbitrage" && filters.minEv !== null ? filters.minEv : undefined,
    max_age_seconds: filters.maxAgeSeconds ?? undefined,
    method: filters.method ?? undefined,
    limit,
  };
}

export function matchesBooks(legs: readonly { bookmaker: string }[], books: readonly string[]): boolean {
  return books.length <= 1 || legs.some((leg) => books.includes(leg.bookmaker));
}

/** The query as a URL query string (the stream's URL; arrays repeated, undefined left out). */
export function toSearch(query: Record<string, unknown>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.set(key, String(value));
  }
  return search;
}
