/**
 * The +EV table: virtualised (only the rows in view, plus a few, are in the DOM, whatever the list's length),
 * sortable by any column (header buttons; aria-sort says which), rows linking to their event.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import { Link } from "react-router";
import type { EvBet } from "../../api/types";
import { RecordBetButton } from "../bets/RecordBetButton";
import { defaultStake } from "../bets/tracker";
import type { Row } from "./feed";
import { cellText, COLUMNS, GRID_COLUMNS, sortRows, type ColumnId, type Context, type SortDirection } from "./columns";

export interface OpportunityTableProps {
  rows: Row<EvBet>[];
  context: Context;
  sort: { column: ColumnId; direction: SortDirection };
  onSort: (column: ColumnId) => void;
  rowHeight?: number;
}

const MIN_WIDTH = "66rem";

export function OpportunityTable({ rows, context, sort, onSort, rowHeight }: OpportunityTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const column = COLUMNS.find((c) => c.id === sort.column) ?? COLUMNS[7]!;
  const sorted = useMemo(() => sortRows(rows, column, sort.direction, context), [rows, column, sort.direction, context]);
  const height =
    rowHeight ??
    (typeof window !== "undefined" && window.matchMedia?.("(max-width: 640px)").matches ? 84 : 36);

  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => height,
    overscan: 8,
    getItemKey: (index) => sorted[index]?.item.id ?? index,
    initialRect: { width: 1000, height: 600 },
  });

  const style = { "--grid-columns": GRID_COLUMNS, "--grid-min-width": MIN_WIDTH } as React.CSSProperties;

  return (
    <div className="grid" role="table" aria-label="Positive EV bets" aria-rowcount={sorted.length + 1} style={style}>
      <div className="grid-scroll" ref={scrollRef} tabIndex={0} aria-label="Positive EV bets, scrollable">
        <div className="grid-row grid-head" role="row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <div
              key={c.id}
              role="columnheader"
              className={c.numeric ? "num" : undefined}
              aria-sort={c.id === sort.column ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
            >
              <button type="button" onClick={() => onSort(c.id)} title={`Sort by ${c.label}`}>
                {c.label}
              </button>
            </div>
          ))}
        </div>
        <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((virtual) => {
            const row = sorted[virtual.index]!;
            const bet = row.item;
            const classes = ["grid-row", row.status === "new" && "is-new", row.status === "ended" && "is-ended"]
              .filter(Boolean)
              .join(" ");
            return (
              <div
                key={virtual.key}
                role="row"
                aria-rowindex={virtual.index + 2}
                className={classes}
                data-status={row.status}
                style={{ transform: `translateY(${virtual.start}px)`, height: virtual.size }}
              >
                {COLUMNS.map((c) => {
                  const text = cellText(c.id, row, context);
                  if (c.id === "event") {
                    return (
                      <div key={c.id} role="cell" className="event-cell" data-column="event" title={bet.event.league_title}>
                        <Link to={`/events/${bet.event.id}`}>{text}</Link> <small>{bet.event.league_title}</small>
                      </div>
                    );
                  }
                  if (c.id === "record") {
                    const stake = defaultStake(context.bankroll, context.kellyMultiplier, bet.kelly_fraction);
                    return (
                      <div key={c.id} role="cell" data-column={c.id}>
                        <RecordBetButton bet={bet} stake={stake} ended={row.status === "ended"} />
                      </div>
                    );
                  }
                  const tone = c.id === "ev" ? (bet.ev > 0 ? " positive" : " negative") : "";
                  return (
                    <div key={c.id} role="cell" className={(c.numeric ? "num" : "") + tone} data-column={c.id}>
                      {text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
