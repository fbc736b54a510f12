/** Home: the live +EV table with its filters, the plan's hidden count and the price calculator. */
import { useMemo } from "react";
import type { EvBet } from "../api/types";
import { Calculator } from "../features/pricing/Calculator";
import { StakeSettings } from "../features/pricing/StakeSettings";
import { COLUMNS, type ColumnId, type Context, type SortDirection } from "../features/opportunities/columns";
import type { Row } from "../features/opportunities/feed";
import { FilterBar } from "../features/opportunities/FilterBar";
import { apiQuery, matchesBooks } from "../features/opportunities/filters";
import { HiddenNotice } from "../features/opportunities/HiddenNotice";
import { OpportunityTable } from "../features/opportunities/OpportunityTable";
import { TransportStatus } from "../features/opportunities/TransportStatus";
import { useOpportunityFeed } from "../features/opportunities/useOpportunityFeed";
import { useUrlFilters } from "../features/opportunities/useUrlFilters";
import { formatMoney, formatPercent } from "../lib/format";
import { usePreferences } from "../lib/preferences";

const LIMIT = 2000;

export default function OpportunitiesRoute() {
  const [filters, setFilters, params, setParams] = useUrlFilters();
  const [preferences] = usePreferences();
  const query = useMemo(() => apiQuery(filters, "ev", LIMIT), [filters]);
  const { state, transport, error, now } = useOpportunityFeed(query);

  const sortParam = params.get("sort");
  const sort = {
    column: (COLUMNS.some((c) => c.id === sortParam) ? sortParam : "ev") as ColumnId,
    direction: (params.get("dir") === "asc" ? "asc" : "desc") as SortDirection,
  };
  const onSort = (column: ColumnId): void => {
    const next = new URLSearchParams(params);
    const direction = column === sort.column && sort.direction === "desc" ? "asc" : "desc";
    next.set("sort", column);
    next.set("dir", direction);
    setParams(next);
  };

  const rows = useMemo(
    () =>
      [...state.rows.values()].filter(
        (row): row is Row<EvBet> => row.item.kind === "ev" && matchesBooks(row.item.legs, filters.books),
      ),
    [state.rows, filters.books],
  );
  const context: Context = useMemo(
    () => ({
      now,
      oddsFormat: preferences.odds_format,
      bankroll: preferences.bankroll,
      kellyMultiplier: preferences.kelly_multiplier,
    }),
    [now, preferences.odds_format, preferences.bankroll, preferences.kelly_multiplier],
  );
  const live = rows.filter((r) => r.status !== "ended").length;

  return (
    <section className="page" aria-labelledby="ev-title">
      <h1 id="ev-title">Positive EV bets</h1>
      <FilterBar filters={filters} onChange={setFilters} />
      <div className="status-line">
        <TransportStatus transport={transport} />
        <span>
          {live} {live === 1 ? "bet" : "bets"}
        </span>
        <span>
          {preferences.bankroll === null
            ? `Stakes as shares of your bankroll at ${formatPercent(preferences.kelly_multiplier)} Kelly (set a bankroll for amounts)`
            : `Stakes for a bankroll of ${formatMoney(preferences.bankroll)} at ${formatPercent(preferences.kelly_multiplier)} Kelly`}
        </span>
      </div>
      <HiddenNotice hidden={state.hidden} />
      <div className="layout-split">
        <div>
          {error && !state.loaded ? (
            <p className="notice error" role="alert">
              Could not load the opportunities: {error.message}
            </p>
          ) : !state.loaded ? (
            <p className="state" aria-busy="true">
              Loading opportunities…
            </p>
          ) : rows.length === 0 ? (
            <p className="state">
              {state.hidden && state.hidden.total > 0
                ? "Nothing your plan shows matches right now; what it holds back is listed above."
                : `No +EV bets match ${params.toString() ? "these filters" : "right now"}. New ones appear here as the odds move.`}
            </p>
          ) : (
            <OpportunityTable rows={rows} context={context} sort={sort} onSort={onSort} />
          )}
          {error && state.loaded && (
            <p className="notice error" role="alert">
              Updates failed ({error.message}); showing the last list.
            </p>
          )}
        </div>
        <div className="side">
          <StakeSettings />
          <Calculator />
        </div>
      </div>
    </section>
  );
}
