/** The filters (sport, league, market, books, min EV, max age, devig method), written to the URL as they change. */
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap } from "../../lib/api";
import { DEVIG_METHODS } from "../../api/types";
import { usePreferences } from "../../lib/preferences";
import { EMPTY_FILTERS, type Filters } from "./filters";
import { fromDefaults, toDefaults } from "./useUrlFilters";

const MARKETS = ["h2h", "spreads", "totals"];

export function useCatalog() {
  const sports = useQuery({
    queryKey: ["sports"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/sports", { signal })),
    staleTime: 5 * 60_000,
  });
  const books = useQuery({
    queryKey: ["bookmakers"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/bookmakers", { signal })),
    staleTime: 5 * 60_000,
  });
  return { sports: sports.data ?? [], books: books.data ?? [] };
}

export interface FilterBarProps {
  filters: Filters;
  onChange: (filters: Filters) => void;
  /** Label of the minimum rate: "Min EV %" or "Min profit %". */
  minLabel?: string;
  showMethod?: boolean;
}

export function FilterBar({ filters, onChange, minLabel = "Min EV %", showMethod = true }: FilterBarProps) {
  const { sports, books } = useCatalog();
  const id = useId();
  const [preferences, setPreferences] = usePreferences();
  const [saved, setSaved] = useState(false);
  const isDefault = JSON.stringify(fromDefaults(preferences.default_filters)) === JSON.stringify(filters);
  const sportGroups = [...new Set(sports.map((s) => s.sport))].sort();
  const leagues = sports.filter((s) => !filters.sport || s.sport === filters.sport);
  const set = (change: Partial<Filters>): void => onChange({ ...filters, ...change });
  const percent = (fraction: number | null): string => (fraction === null ? "" : String(+(fraction * 100).toFixed(4)));

  return (
    <form className="filters" role="search" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label htmlFor={`${id}-sport`}>
        Sport
        <select id={`${id}-sport`} value={filters.sport} onChange={(e) => set({ sport: e.target.value, league: "" })}>
          <option value="">All sports</option>
          {sportGroups.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-league`}>
        League
        <select id={`${id}-league`} value={filters.league} onChange={(e) => set({ league: e.target.value })}>
          <option value="">All leagues</option>
          {leagues.map((s) => (
            <option key={s.key} value={s.key}>
              {s.league}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-market`}>
        Market
        <select id={`${id}-market`} value={filters.market} onChange={(e) => set({ market: e.target.value })}>
          <option value="">All markets</option>
          {MARKETS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-books`}>
        Books
        <select
          id={`${id}-books`}
          multiple
          size={1}
          value={filters.books}
          onChange={(e) => set({ books: [...e.target.selectedOptions].map((o) => o.value) })}
          aria-describedby={`${id}-books-hint`}
        >
          {books.map((b) => (
            <option key={b.key} value={b.key}>
              {b.title}
            </option>
          ))}
        </select>
        <span id={`${id}-books-hint`} className="visually-hidden">
          Several can be chosen; none shows every book.
        </span>
      </label>
      <label htmlFor={`${id}-min`}>
        {minLabel}
        <input
          id={`${id}-min`}
          type="number"
          inputMode="decimal"
          step="0.1"
          min={-100}
          max={1000}
          value={percent(filters.minEv)}
          onChange={(e) => set({ minEv: e.target.value === "" ? null : Number(e.target.value) / 100 })}
        />
      </label>
      <label htmlFor={`${id}-age`}>
        Max age (s)
        <input
          id={`${id}-age`}
          type="number"
          inputMode="numeric"
          min={0}
          step={5}
          value={filters.maxAgeSeconds ?? ""}
          onChange={(e) => set({ maxAgeSeconds: e.target.value === "" ? null : Number(e.target.value) })}
        />
      </label>
      {showMethod && (
        <label htmlFor={`${id}-method`}>
          Devig method
          <select
            id={`${id}-method`}
            value={filters.method ?? ""}
            onChange={(e) => set({ method: (e.target.value || null) as Filters["method"] })}
          >
            <option value="">Default</option>
            {DEVIG_METHODS.map((m) => (
              <option key={m} value={m}>
                {m.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="filter-actions">
        <button
          type="button"
          className="ghost"
          disabled={JSON.stringify(filters) === JSON.stringify(EMPTY_FILTERS)}
          onClick={() => onChange(EMPTY_FILTERS)}
        >
          Clear
        </button>
        <button
          type="button"
          className="ghost"
          disabled={isDefault}
          onClick={() => {
            setPreferences({ default_filters: toDefaults(filters) });
            setSaved(true);
          }}
          title="Open the list with these filters next time"
        >
          {isDefault && saved ? "Saved as default" : "Save as default"}
        </button>
      </div>
    </form>
  );
}
