/** The legs of an arbitrage or a middle with the stake split for a total stake (legs' `stake` are shares of it). */
import type { Leg } from "../../api/types";
import { formatMoney, formatOdds, formatPoint, odds } from "../../lib/format";
import type { OddsFormat } from "../../lib/preferences";

export interface LegsTableProps {
  legs: Leg[];
  market: string;
  total: number;
  oddsFormat: OddsFormat;
}

export function LegsTable({ legs, market, total, oddsFormat }: LegsTableProps) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Book</th>
          <th scope="col">Bet</th>
          <th scope="col" className="num">
            Price
          </th>
          <th scope="col" className="num">
            Stake
          </th>
          <th scope="col" className="num">
            Returns
          </th>
        </tr>
      </thead>
      <tbody>
        {legs.map((leg) => (
          <tr key={`${leg.market_id}-${leg.outcome}-${leg.point ?? ""}-${leg.bookmaker}`}>
            <td>{leg.bookmaker}</td>
            <td>{`${leg.outcome} ${formatPoint(leg.point, market)}`.trim()}</td>
            <td className="num">{formatOdds(odds(leg.price_decimal, leg.price_american), oddsFormat)}</td>
            <td className="num">{formatMoney(leg.stake * total)}</td>
            <td className="num">{formatMoney(leg.payout * total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
