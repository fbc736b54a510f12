/** One market of the odds board: books × outcomes, the best price highlighted, the fair line and each hold. */
import type { BoardMarket } from "../../api/types";
import { formatAge, formatOdds, formatPercent, odds } from "../../lib/format";
import type { OddsFormat } from "../../lib/preferences";
import { bestHold, bookLines, marketLabel } from "./board";

export function OddsBoard({ market, oddsFormat, now }: { market: BoardMarket; oddsFormat: OddsFormat; now: number }) {
  const lines = bookLines(market);
  const best = bestHold(market);
  const caption = marketLabel(market);
  return (
    <section className="board panel" aria-label={`Odds board: ${caption}`}>
      <table>
        <caption>
          <strong>{caption}</strong>{" "}
          <span className="muted">
            {market.fair_source === "sharp"
              ? `fair line from the sharp books (${market.sharp_books.join(", ")})`
              : market.fair_source === "none"
                ? "no fair line: no sharp book quotes this market"
                : `fair line from the ${market.fair_source}`}
            {best !== null && ` · best-price hold ${formatPercent(best)}`}
          </span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Book</th>
            {market.outcomes.map((o) => (
              <th key={o.name} scope="col" className="num">
                {o.name}
              </th>
            ))}
            <th scope="col" className="num">
              Hold
            </th>
            <th scope="col" className="num">
              Updated
            </th>
          </tr>
        </thead>
        <tbody>
          <tr className="fair-row">
            <th scope="row">Fair</th>
            {market.outcomes.map((o) => (
              <td key={o.name} className="num">
                {formatOdds(odds(o.fair_odds_decimal, o.fair_odds_american), oddsFormat)}
                <small className="muted"> {formatPercent(o.fair_prob)}</small>
              </td>
            ))}
            <td className="num">0.0%</td>
            <td />
          </tr>
          {lines.map((line) => {
            const updated = market.updated[line.bookmaker];
            return (
              <tr key={line.bookmaker}>
                <th scope="row">
                  {line.bookmaker}
                  {line.sharp && (
                    <small className="muted" title="Sharp book: part of the fair line">
                      {" "}
                      sharp
                    </small>
                  )}
                </th>
                {line.prices.map((price, i) => (
                  <td
                    key={market.outcomes[i]!.name}
                    className={`num${price?.isBest ? " best" : ""}`}
                    aria-label={price?.isBest ? `${formatOdds(odds(price.decimal, price.american), oddsFormat)}, best price` : undefined}
                  >
                    {price ? formatOdds(odds(price.decimal, price.american), oddsFormat) : "—"}
                  </td>
                ))}
                <td className="num">{formatPercent(line.hold)}</td>
                <td className="num muted">{updated ? formatAge((now - Date.parse(updated)) / 1000) : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
