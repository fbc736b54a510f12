import type { Middle, Opportunity } from "../../api/types";
import { formatMoney, formatPercent } from "../../lib/format";
import { EventTitle } from "../opportunities/EventTitle";
import { LegsTable } from "../opportunities/LegsTable";
import type { CardProps } from "../opportunities/OpportunityListPage";

export function isMiddle(item: Opportunity): item is Middle {
  return item.kind === "middle";
}

const AXIS: Record<string, string> = { total: "the total", home_margin: "the home margin" };

/** "Both win if the total lands between 220.5 and 223.5" (bounds excluded). */
export function windowText(middle: Middle): string {
  const [low, high] = middle.window;
  return `Both legs win if ${AXIS[middle.axis] ?? middle.axis} lands between ${low} and ${high}`;
}

export function MiddleCard({ row, total, now, oddsFormat }: CardProps<Middle>) {
  const middle = row.item;
  // max_loss: share of the total stake lost when one leg only wins (≤ 0: never loses).
  const loss = middle.max_loss * total;
  return (
    <article aria-label={`Middle ${middle.event.away_team} at ${middle.event.home_team}`}>
      <EventTitle row={row} now={now} />
      <p className="card-window">{windowText(middle)}.</p>
      <dl className="kpis">
        <div>
          <dt>Hit prob.</dt>
          <dd>{formatPercent(middle.hit_probability)}</dd>
        </div>
        <div>
          <dt>EV</dt>
          <dd className={(middle.ev ?? 0) > 0 ? "positive" : undefined}>{formatPercent(middle.ev, true)}</dd>
        </div>
        <div>
          <dt>{loss > 0 ? "Max loss" : "Worst case"}</dt>
          <dd className={loss > 0 ? "negative" : "positive"}>
            {loss > 0 ? `−${formatMoney(loss)}` : `+${formatMoney(-loss)}`}
          </dd>
        </div>
        <div>
          <dt>If it hits</dt>
          <dd className="positive">
            +{formatMoney(middle.legs.reduce((sum, leg) => sum + leg.payout * total, 0) - total)}
          </dd>
        </div>
      </dl>
      <LegsTable legs={middle.legs} market={middle.market} total={total} oddsFormat={oddsFormat} />
    </article>
  );
}
