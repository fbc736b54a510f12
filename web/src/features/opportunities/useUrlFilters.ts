import { useCallback, useEffect, useMemo } from "react";
import { useSearchParams } from "react-router";
import { usePreferences } from "../../lib/preferences";
import { hasFilters, parseFilters, writeFilters, type Filters } from "./filters";

/** The filters of the URL; a URL without any takes the user's default filters (replacing, not pushing). */
export function useUrlFilters(): [Filters, (filters: Filters) => void, URLSearchParams, (p: URLSearchParams) => void] {
  const [params, setParams] = useSearchParams();
  const [{ defaultFilters }] = usePreferences();

  useEffect(() => {
    if (!hasFilters(params) && defaultFilters) {
      const defaults = parseFilters(new URLSearchParams(defaultFilters));
      setParams(writeFilters(defaults, params), { replace: true });
    }
    // Only when the page opens: clearing the filters afterwards must stick.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const key = params.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(key)), [key]);
  const setFilters = useCallback(
    (next: Filters) => setParams((current) => writeFilters(next, current), { replace: true }),
    [setParams],
  );
  const replaceParams = useCallback((p: URLSearchParams) => setParams(p, { replace: true }), [setParams]);
  return [filters, setFilters, params, replaceParams];
}
