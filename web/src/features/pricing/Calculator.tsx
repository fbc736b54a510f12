/**
 * The price calculator: fair odds, EV and Kelly stake of any price, from the pricing engine (POST /api/price).
 * The fair line comes from the rest of the market (devigged), or a fair price typed in.
 */
import { useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { DEVIG_METHODS, type DevigMethod, type PriceQuery } from "../../api/types";
import { api, unwrap } from "../../lib/api";
import { formatMoney, formatOdds, formatPercent } from "../../lib/format";
import { usePreferences } from "../../lib/preferences";

type Source = "market" | "fair";

export function Calculator() {
  const id = useId();
  const [preferences] = usePreferences();
  const [price, setPrice] = useState("+150");
  const [source, setSource] = useState<Source>("market");
  const [others, setOthers] = useState("-170");
  const [fair, setFair] = useState("");
  const [method, setMethod] = useState<DevigMethod>("shin");

  const calculation = useMutation({
    mutationFn: async (body: PriceQuery) => unwrap(await api.POST("/api/price", { body })),
  });

  function submit(event: FormEvent): void {
    event.preventDefault();
    const body: PriceQuery = {
      price: price.trim(),
      kelly_multiplier: preferences.kelly_multiplier,
      bankroll: preferences.bankroll,
      devig_method: method,
    };
    if (source === "market") {
      body.other_prices = others
        .split(/[,\s]+/)
        .map((p) => p.trim())
        .filter(Boolean);
    } else {
      body.fair_odds = fair.trim();
    }
    calculation.mutate(body);
  }

  const result = calculation.data;
  return (
    <aside className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} style={{ marginTop: 0 }}>
        Calculator
      </h2>
      <form onSubmit={submit} className="filters" aria-describedby={`${id}-help`}>
        <p id={`${id}-help`} className="muted" style={{ margin: 0 }}>
          Prices as written: +150, -110, 2.5, 5/2.
        </p>
        <label htmlFor={`${id}-price`}>
          Price
          <input id={`${id}-price`} value={price} onChange={(e) => setPrice(e.target.value)} required maxLength={32} />
        </label>
        <label htmlFor={`${id}-source`}>
          Fair line from
          <select id={`${id}-source`} value={source} onChange={(e) => setSource(e.target.value as Source)}>
            <option value="market">the other outcomes</option>
            <option value="fair">a fair price</option>
          </select>
        </label>
        {source === "market" ? (
          <>
            <label htmlFor={`${id}-others`}>
              Other outcomes' prices
              <input id={`${id}-others`} value={others} onChange={(e) => setOthers(e.target.value)} required />
            </label>
            <label htmlFor={`${id}-method`}>
              Devig method
              <select id={`${id}-method`} value={method} onChange={(e) => setMethod(e.target.value as DevigMethod)}>
                {DEVIG_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m.replace("_", " ")}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : (
          <label htmlFor={`${id}-fair`}>
            Fair price
            <input id={`${id}-fair`} value={fair} onChange={(e) => setFair(e.target.value)} required maxLength={32} />
          </label>
        )}
        <button type="submit" disabled={calculation.isPending}>
          {calculation.isPending ? "Calculating…" : "Calculate"}
        </button>
      </form>
      <div aria-live="polite">
        {calculation.error && (
          <p className="notice error" role="alert">
            {calculation.error.message}
          </p>
        )}
        {result && (
          <dl className="kpis">
            <div>
              <dt>Fair odds</dt>
              <dd>{formatOdds(result.fair_odds, preferences.odds_format)}</dd>
            </div>
            <div>
              <dt>Fair prob.</dt>
              <dd>{formatPercent(result.fair_probability)}</dd>
            </div>
            <div>
              <dt>EV</dt>
              <dd className={result.ev > 0 ? "positive" : "negative"}>{formatPercent(result.ev, true)}</dd>
            </div>
            <div>
              <dt>Kelly</dt>
              <dd>{formatPercent(result.kelly)}</dd>
            </div>
            <div>
              <dt>Stake</dt>
              <dd>{formatMoney(result.kelly_stake)}</dd>
            </div>
            {result.hold !== null && (
              <div>
                <dt>Hold</dt>
                <dd>{formatPercent(result.hold)}</dd>
              </div>
            )}
          </dl>
        )}
      </div>
    </aside>
  );
}
