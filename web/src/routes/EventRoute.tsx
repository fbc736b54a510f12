/** An event: its odds board (every book × outcome per market) and the line movement of one outcome. */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { DEVIG_METHODS, type DevigMethod } from "../api/types";
import { chartData } from "../features/events/history";
import { LineChart } from "../features/events/LineChart";
import { marketLabel } from "../features/events/board";
import { OddsBoard } from "../features/events/OddsBoard";
import { api, ApiError, unwrap } from "../lib/api";
import { formatStart } from "../lib/format";
import { usePreferences } from "../lib/preferences";

export default function EventRoute() {
  const id = useId();
  const params = useParams();
  const eventId = Number(params.eventId);
  const valid = Number.isInteger(eventId) && eventId > 0 && eventId <= 2_147_483_647;
  const [search, setSearch] = useSearchParams();
  const methodParam = search.get("method");
  const method: DevigMethod = DEVIG_METHODS.includes(methodParam as DevigMethod) ? (methodParam as DevigMethod) : "shin";
  const [preferences] = usePreferences();
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const board = useQuery({
    queryKey: ["event-board", eventId, method],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/events/{event_id}/odds", {
          params: { path: { event_id: eventId }, query: { method } },
          signal,
        }),
      ),
    enabled: valid,
    refetchInterval: 15_000,
  });
  const history = useQuery({
    queryKey: ["event-history", eventId],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/events/{event_id}/history", {
          params: { path: { event_id: eventId }, query: { limit: 20_000 } },
          signal,
        }),
      ),
    enabled: valid,
    refetchInterval: 60_000,
  });

  const markets = board.data?.markets ?? [];
  const marketId = Number(search.get("market")) || markets[0]?.market_id;
  const market = markets.find((m) => m.market_id === marketId) ?? markets[0];
  const outcomeParam = search.get("outcome");
  const outcome = market?.outcomes.find((o) => o.name === outcomeParam)?.name ?? market?.outcomes[0]?.name;
  const chart = useMemo(
    () =>
      history.data && market && outcome
        ? chartData(
            history.data.series,
            market.market_id,
            outcome,
            market.sharp_books,
            market.outcomes.map((o) => o.name),
          )
        : null,
    [history.data, market, outcome],
  );

  const setParam = (key: string, value: string | null): void => {
    const next = new URLSearchParams(search);
    if (value === null) next.delete(key);
    else next.set(key, value);
    if (key === "market") next.delete("outcome");
    setSearch(next, { replace: true });
  };

  if (!valid) {
    return (
      <section className="page">
        <h1>Event not found</h1>
        <p>
          “{params.eventId}” is not an event id. Back to <Link to="/">the opportunities</Link>.
        </p>
      </section>
    );
  }
  if (board.isPending) {
    return (
      <p className="page state" aria-busy="true">
        Loading the event…
      </p>
    );
  }
  if (board.error) {
    const missing = board.error instanceof ApiError && board.error.status === 404;
    return (
      <section className="page">
        <h1>{missing ? "Event not found" : "The event could not be loaded"}</h1>
        <p className="notice error" role="alert">
          {board.error.message}
        </p>
        <p>
          <button type="button" onClick={() => void board.refetch()}>
            Try again
          </button>{" "}
          or go back to <Link to="/">the opportunities</Link>.
        </p>
      </section>
    );
  }

  const event = board.data.event;
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <p className="muted">
        <Link to="/">← Opportunities</Link>
      </p>
      <h1 id={`${id}-title`}>
        {event.away_team} @ {event.home_team}
      </h1>
      <p className="muted">
        {event.league_title} · {formatStart(event.commence_time)} · {event.status}
        {event.home_score !== null && event.away_score !== null && ` · ${event.away_score}–${event.home_score}`}
      </p>
      <div className="filters">
        <label htmlFor={`${id}-method`}>
          Devig method
          <select id={`${id}-method`} value={method} onChange={(e) => setParam("method", e.target.value)}>
            {DEVIG_METHODS.map((m) => (
              <option key={m} value={m}>
                {m.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
      </div>

      <h2>Line movement</h2>
      {markets.length > 0 && market && (
        <div className="filters">
          <label htmlFor={`${id}-market`}>
            Market
            <select id={`${id}-market`} value={market.market_id} onChange={(e) => setParam("market", e.target.value)}>
              {markets.map((m) => (
                <option key={m.market_id} value={m.market_id}>
                  {marketLabel(m)}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={`${id}-outcome`}>
            Outcome
            <select id={`${id}-outcome`} value={outcome} onChange={(e) => setParam("outcome", e.target.value)}>
              {market.outcomes.map((o) => (
                <option key={o.name} value={o.name}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {history.isPending ? (
        <p className="state" aria-busy="true">
          Loading the price history…
        </p>
      ) : history.error ? (
        <p className="notice error" role="alert">
          The price history could not be loaded: {history.error.message}
        </p>
      ) : chart === null || chart.lines.length === 0 ? (
        <p className="state">No sharp book has quoted this market yet.</p>
      ) : (
        <div className="panel">
          <LineChart data={chart} oddsFormat={preferences.odds_format} title={`${outcome} · ${marketLabel(market!)}`} />
          <p className="muted chart-note">
            Sharp books' prices over time; “sharp no-vig” is their average multiplicative no-vig price at each
            moment.
          </p>
        </div>
      )}

      <h2>Odds board</h2>
      {markets.length === 0 ? (
        <p className="state">No book quotes this event right now.</p>
      ) : (
        <div className="boards">
          {markets.map((m) => (
            <OddsBoard key={m.market_id} market={m} oddsFormat={preferences.odds_format} now={now} />
          ))}
        </div>
      )}
    </section>
  );
}
