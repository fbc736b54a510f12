/**
 * The user's preferences (bankroll, Kelly multiplier, odds format, theme, default filters) behind one hook.
 *
 * Logged in: the server's (`GET /api/me` → `preferences`, changed by `PATCH /api/me/preferences`, debounced,
 * shown at once). Anonymous: this browser's localStorage. The same shape either way (the API's), and the last
 * preferences seen are kept in localStorage too, so a page load starts with them before /api/me answers.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useSyncExternalStore } from "react";
import type { components } from "../api/schema";
import { api } from "./api";
import { getSession } from "./session";
import { useMe, useSessionState } from "./useSession";

export type Preferences = components["schemas"]["Preferences"];
export type DefaultFilters = components["schemas"]["DefaultFilters"];
export type OddsFormat = Preferences["odds_format"];
export type Theme = Preferences["theme"];
export type PreferencesChange = Partial<Preferences>;

export const DEFAULT_FILTERS: DefaultFilters = {
  sport: null,
  league: null,
  market: null,
  books: [],
  min_ev: null,
  max_age_seconds: null,
  devig_method: null,
};

export const DEFAULT_PREFERENCES: Preferences = {
  bankroll: null,
  kelly_multiplier: 0.25,
  odds_format: "american",
  theme: "system",
  default_filters: DEFAULT_FILTERS,
};

const KEY = "fairedge.preferences";
const PATCH_DELAY_MS = 400;
const listeners = new Set<() => void>();
let cached: Preferences | null = null;

function sanitize(raw: unknown): Preferences {
  const value = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const filters = (typeof value.default_filters === "object" && value.default_filters !== null
    ? value.default_filters
    : {}) as Record<string, unknown>;
  const text = (v: unknown): string | null => (typeof v === "string" && v.length <= 64 ? v : null);
  const num = (v: unknown, min: number, max: number): number | null =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? v : null;
  return {
    bankroll: num(value.bankroll, Number.MIN_VALUE, 1e12),
    kelly_multiplier: num(value.kelly_multiplier, Number.MIN_VALUE, 1) ?? DEFAULT_PREFERENCES.kelly_multiplier,
    odds_format: value.odds_format === "decimal" ? "decimal" : "american",
    theme: value.theme === "dark" || value.theme === "light" ? value.theme : "system",
    default_filters: {
      sport: text(filters.sport),
      league: text(filters.league),
      market: text(filters.market),
      books: Array.isArray(filters.books) ? filters.books.filter((b): b is string => typeof b === "string") : [],
      min_ev: num(filters.min_ev, -1, 100),
      max_age_seconds: num(filters.max_age_seconds, 0, 2_592_000),
      devig_method: (text(filters.devig_method) as DefaultFilters["devig_method"]) ?? null,
    },
  };
}

/** Saved by this browser before the multiplier of full Kelly was renamed from `kelly_fraction`: keep its value. */
function renamedKelly(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || !("kelly_fraction" in raw) || "kelly_multiplier" in raw) return raw;
  const { kelly_fraction: kellyMultiplier, ...rest } = raw as Record<string, unknown>;
  return { ...rest, kelly_multiplier: kellyMultiplier };
}

function readLocal(): Preferences {
  try {
    return sanitize(renamedKelly(JSON.parse(localStorage.getItem(KEY) ?? "{}")));
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

function writeLocal(preferences: Preferences): void {
  cached = preferences;
  try {
    localStorage.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // storage full or disabled: the preferences hold for this page's life
  }
  for (const listener of listeners) listener();
}

function snapshot(): Preferences {
  cached ??= readLocal();
  return cached;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent): void => {
    if (event.key === KEY) {
      cached = null;
      listener();
    }
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

type MeData = { preferences: Preferences } & Record<string, unknown>;

let pending: PreferencesChange = {};
let timer: ReturnType<typeof setTimeout> | undefined;

function sendLater(change: PreferencesChange, queryClient: QueryClient): void {
  pending = { ...pending, ...change };
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => {
    const body = pending;
    pending = {};
    timer = undefined;
    void api
      .PATCH("/api/me/preferences", { body })
      .then(({ data }) => {
        if (data) queryClient.setQueryData<MeData>(["me"], (old) => (old ? { ...old, preferences: data } : old));
        else void queryClient.invalidateQueries({ queryKey: ["me"] });
      })
      .catch(() => void queryClient.invalidateQueries({ queryKey: ["me"] }));
  }, PATCH_DELAY_MS);
}

export function usePreferences(): [Preferences, (change: PreferencesChange) => void] {
  const queryClient = useQueryClient();
  const session = useSessionState();
  const me = useMe();
  const local = useSyncExternalStore(subscribe, snapshot, () => DEFAULT_PREFERENCES);
  const server = session.status === "authenticated" ? (me.data as MeData | undefined)?.preferences : undefined;

  useEffect(() => {
    if (server && JSON.stringify(server) !== JSON.stringify(snapshot())) writeLocal(sanitize(server));
  }, [server]);

  const update = useCallback(
    (change: PreferencesChange) => {
      const next = sanitize({ ...snapshot(), ...change });
      writeLocal(next);
      if (getSession().status === "authenticated") {
        queryClient.setQueryData<MeData>(["me"], (old) =>
          old ? { ...old, preferences: { ...old.preferences, ...change } } : old,
        );
        sendLater(change, queryClient);
      }
    },
    [queryClient],
  );
  return [server ?? local, update];
}

/** Test hook. */
export function resetPreferencesForTests(): void {
  cached = null;
  pending = {};
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}
