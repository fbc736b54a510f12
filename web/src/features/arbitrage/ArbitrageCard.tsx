import type { Arbitrage, Opportunity } from "../../api/types";
import { formatMoney, formatPercent } from "../../lib/format";
import { EventTitle } from "../opportunities/EventTitle";
import { LegsTable } from "../opportunities/LegsTable";
import type { CardProps } from "../opportunities/OpportunityListPage";

export function isArbitrage(item: Opportunity): item is Arbitrage {
  return item.kind === "arbitrage";
}

/** Guaranteed profit of an arbitrage on a total stake: every leg returns total × (1 + profit_margin). */
export function arbitrageProfit(arbitrage: Arbitrage, total: number): number {
  return total * arbitrage.profit_margin;
}

export function ArbitrageCard({ row, total, now, oddsFormat }: CardProps<Arbitrage>) {
  const arbitrage = row.item;
  return (
    <article aria-label={`Arbitrage ${arbitrage.event.away_team} at ${arbitrage.event.home_team}`}>
      <EventTitle row={row} now={now} />
      <dl className="kpis">
        <div>
          <dt>Profit</dt>
          <dd className="positive">{formatPercent(arbitrage.profit_margin, true)}</dd>
        </div>
        <div>
          <dt>On {formatMoney(total)}</dt>
          <dd className="positive">{formatMoney(arbitrageProfit(arbitrage, total))}</dd>
        </div>
        <div>
          <dt>Books</dt>
          <dd>{[...new Set(arbitrage.legs.map((l) => l.bookmaker))].join(", ")}</dd>
        </div>
      </dl>
      <LegsTable legs={arbitrage.legs} market={arbitrage.market} total={total} oddsFormat={oddsFormat} />
    </article>
  );
}
