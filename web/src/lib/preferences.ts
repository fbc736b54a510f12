/**
 * The user's preferences behind one hook. Stored in localStorage for now (and always for anonymous use);
 * `PATCH /api/me/preferences` replaces `load`/`save` for logged-in users when it lands: one change here.
 */
import { useCallback, useSyncExternalStore } from "react";

export type OddsFormat = "american" | "decimal";
export type Theme = "system" | "dark" | "light";

export interface Preferences {
  bankroll: number;
  kellyFraction: number;
  oddsFormat: OddsFormat;
  theme: Theme;
  /** Opportunity filters applied when the URL has none (query-string form, e.g. "sport=basketball"). */
  defaultFilters: string;
}

export const DEFAULT_PREFERENCES: Preferences = {
  bankroll: 1000,
  kellyFraction: 0.25,
  oddsFormat: "american",
  theme: "system",
  defaultFilters: "",
};

const KEY = "fairedge.preferences";
const listeners = new Set<() => void>();
let cached: Preferences | null = null;

function sanitize(raw: unknown): Preferences {
  const value = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<Record<keyof Preferences, unknown>>;
  const number = (v: unknown, fallback: number, min: number, max: number): number =>
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? v : fallback;
  return {
    bankroll: number(value.bankroll, DEFAULT_PREFERENCES.bankroll, 0, 1e12),
    kellyFraction: number(value.kellyFraction, DEFAULT_PREFERENCES.kellyFraction, 0, 1),
    oddsFormat: value.oddsFormat === "decimal" ? "decimal" : "american",
    theme: value.theme === "dark" || value.theme === "light" ? value.theme : "system",
    defaultFilters: typeof value.defaultFilters === "string" ? value.defaultFilters : "",
  };
}

function load(): Preferences {
  try {
    return sanitize(JSON.parse(localStorage.getItem(KEY) ?? "{}"));
  } catch {
    return DEFAULT_PREFERENCES;
  }
}

function save(preferences: Preferences): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // storage full or disabled: the preference holds for this page's life
  }
}

function snapshot(): Preferences {
  cached ??= load();
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

export function updatePreferences(change: Partial<Preferences>): void {
  cached = sanitize({ ...snapshot(), ...change });
  save(cached);
  for (const listener of listeners) listener();
}

export function usePreferences(): [Preferences, (change: Partial<Preferences>) => void] {
  const preferences = useSyncExternalStore(subscribe, snapshot, () => DEFAULT_PREFERENCES);
  return [preferences, useCallback(updatePreferences, [])];
}

/** Test hook. */
export function resetPreferencesForTests(): void {
  cached = null;
}
