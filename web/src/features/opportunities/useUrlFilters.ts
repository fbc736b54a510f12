import { useCallback, useEffect, useMemo, useRef } from "react";
import { useSearchParams } from "react-router";
import { usePreferences, type DefaultFilters } from "../../lib/preferences";
import { hasFilters, parseFilters, writeFilters, type Filters } from "./filters";

export function fromDefaults(defaults: DefaultFilters): Filters {
  return {
    sport: defaults.sport ?? "",
    league: defaults.league ?? "",
    market: defaults.market ?? "",
    books: defaults.books ?? [],
    minEv: defaults.min_ev ?? null,
    maxAgeSeconds: defaults.max_age_seconds ?? null,
    method: defaults.devig_method ?? null,
  };
}

export function toDefaults(filters: Filters): DefaultFilters {
  return {
    sport: filters.sport || null,
    league: filters.league || null,
    market: filters.market || null,
    books: filters.books,
    min_ev: filters.minEv,
    max_age_seconds: filters.maxAgeSeconds,
    devig_method: filters.method,
  };
}

/**
 * The filters of the URL. A page opened without any takes the user's default filters (once, replacing the
 * history entry; the server's arrive a moment after a page load), and clearing them afterwards sticks.
 */
export function useUrlFilters(): [Filters, (filters: Filters) => void, URLSearchParams, (p: URLSearchParams) => void] {
  const [params, setParams] = useSearchParams();
  const [{ default_filters: defaults }] = usePreferences();
  const touched = useRef(hasFilters(params));

  useEffect(() => {
    if (touched.current) return;
    const filters = fromDefaults(defaults);
    const search = writeFilters(filters, params);
    if (hasFilters(search)) {
      touched.current = true;
      setParams(search, { replace: true });
    }
  }, [defaults, params, setParams]);

  const key = params.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(key)), [key]);
  const setFilters = useCallback(
    (next: Filters) => {
      touched.current = true;
      setParams((current) => writeFilters(next, current), { replace: true });
    },
    [setParams],
  );
  const replaceParams = useCallback((p: URLSearchParams) => setParams(p, { replace: true }), [setParams]);
  return [filters, setFilters, params, replaceParams];
}
