/**
 * The arbitrage and middles pages' frame: filters in the URL, the live list (stream or polling), a total stake
 * to split, the plan's hidden count, and loading, empty and error states; each page draws its own cards.
 */
import { useId, useMemo, useState, type ReactNode } from "react";
import type { Opportunity } from "../../api/types";
import { usePreferences, type OddsFormat } from "../../lib/preferences";
import type { Row } from "./feed";
import { FilterBar } from "./FilterBar";
import { apiQuery, matchesBooks, type Kind } from "./filters";
import { HiddenNotice } from "./HiddenNotice";
import { TransportStatus } from "./TransportStatus";
import { useOpportunityFeed } from "./useOpportunityFeed";
import { useUrlFilters } from "./useUrlFilters";

const LIMIT = 2000;

export interface CardProps<T extends Opportunity> {
  row: Row<T>;
  total: number;
  now: number;
  oddsFormat: OddsFormat;
}

export interface OpportunityListPageProps<T extends Opportunity> {
  kind: Kind;
  title: string;
  noun: [string, string];
  minLabel: string;
  intro: ReactNode;
  isKind: (item: Opportunity) => item is T;
  sortKey: (item: T) => number;
  Card: (props: CardProps<T>) => ReactNode;
}

export function OpportunityListPage<T extends Opportunity>(props: OpportunityListPageProps<T>) {
  const { kind, title, noun, minLabel, intro, isKind, sortKey, Card } = props;
  const id = useId();
  const [filters, setFilters] = useUrlFilters();
  const [preferences] = usePreferences();
  const [total, setTotal] = useState<number>(preferences.bankroll ?? 100);
  const query = useMemo(() => apiQuery(filters, kind, LIMIT), [filters, kind]);
  const { state, transport, error, now } = useOpportunityFeed(query);

  const rows = useMemo(
    () =>
      [...state.rows.values()]
        .filter((row): row is Row<T> => isKind(row.item) && matchesBooks(row.item.legs, filters.books))
        .sort((a, b) => sortKey(b.item) - sortKey(a.item) || a.item.id - b.item.id),
    [state.rows, filters.books, isKind, sortKey],
  );
  const live = rows.filter((r) => r.status !== "ended").length;

  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{title}</h1>
      <p className="muted">{intro}</p>
      <FilterBar filters={filters} onChange={setFilters} minLabel={minLabel} showMethod={kind !== "arbitrage"} />
      <div className="status-line">
        <TransportStatus transport={transport} />
        <span>
          {live} {live === 1 ? noun[0] : noun[1]}
        </span>
        <label htmlFor={`${id}-total`} className="inline-label">
          Total stake
          <input
            id={`${id}-total`}
            type="number"
            inputMode="decimal"
            min={0}
            step={10}
            value={total}
            onChange={(e) => setTotal(Math.max(0, Number(e.target.value) || 0))}
          />
        </label>
      </div>
      <HiddenNotice hidden={state.hidden} />
      {error && !state.loaded ? (
        <p className="notice error" role="alert">
          Could not load the {noun[1]}: {error.message}
        </p>
      ) : !state.loaded ? (
        <p className="state" aria-busy="true">
          Loading {noun[1]}…
        </p>
      ) : rows.length === 0 ? (
        <p className="state">
          {state.hidden && state.hidden.total > 0
            ? `No ${noun[1]} your plan shows right now; what it holds back is listed above.`
            : `No ${noun[1]} match right now. New ones appear here as the odds move.`}
        </p>
      ) : (
        <ul className="cards" aria-label={title}>
          {rows.map((row) => (
            <li
              key={row.item.id}
              className={`card${row.status === "new" ? " is-new" : ""}${row.status === "ended" ? " is-ended" : ""}`}
              data-status={row.status}
            >
              <Card row={row} total={total} now={now} oddsFormat={preferences.odds_format} />
            </li>
          ))}
        </ul>
      )}
      {error && state.loaded && (
        <p className="notice error" role="alert">
          Updates failed ({error.message}); showing the last list.
        </p>
      )}
    </section>
  );
}
