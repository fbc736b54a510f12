/**
 * The bet tracker: every bet with its settlement and closing-line value, settle by hand or delete, the profit
 * curve, ROI/CLV by sport, book, market and month, and the CSV export. Owner only (the API sees to that).
 */
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api, ApiError } from "../../lib/api";
import { formatMoney, formatOdds, formatPercent, formatPoint, odds } from "../../lib/format";
import { usePreferences } from "../../lib/preferences";
import { useSessionState } from "../../lib/useSession";
import { errorMessage } from "./messages";
import { ProfitChart } from "./ProfitChart";
import { useBets, useBetSummary, useDeleteBet, useSettleBet, type Bet, type Figures, type Result } from "./queries";
import { priceClvText, probClvText, profitCurve, RESULT_NAMES, RESULTS, tone } from "./tracker";
import "./tracker.css";

type Status = "open" | "settled" | null;
type Grouping = "by_sport" | "by_book" | "by_market" | "by_month";

const GROUPINGS: Record<Grouping, string> = {
  by_sport: "Sport",
  by_book: "Book",
  by_market: "Market",
  by_month: "Month",
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

function when(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateTime.format(date);
}

function FiguresRow({ figures, label }: { figures: Figures; label: string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className="num">{figures.bets}</td>
      <td className="num">
        {figures.wins}-{figures.losses}-{figures.pushes}
      </td>
      <td className="num">{formatMoney(figures.staked)}</td>
      <td className={`num ${tone(figures.profit)}`}>{formatMoney(figures.profit)}</td>
      <td className={`num ${tone(figures.roi)}`}>{formatPercent(figures.roi, true)}</td>
      <td className="num">{formatPercent(figures.avg_ev, true)}</td>
      <td className={`num ${tone(figures.avg_clv_price)}`}>{formatPercent(figures.avg_clv_price, true)}</td>
      <td className="num">{formatPercent(figures.beat_close_rate)}</td>
    </tr>
  );
}

function Summary() {
  const summary = useBetSummary();
  const [grouping, setGrouping] = useState<Grouping>("by_sport");
  if (summary.isPending) return <p className="state" aria-busy="true">Loading the summary…</p>;
  if (summary.isError) {
    return (
      <p className="notice error" role="alert">
        Summary unavailable: {errorMessage(summary.error)}
      </p>
    );
  }
  const data = summary.data;
  const groups = data[grouping];
  return (
    <section className="tracker-section" aria-labelledby="summary-title">
      <div className="tracker-head">
        <h2 id="summary-title">ROI and CLV</h2>
        <label className="inline-label">
          Group by
          <select value={grouping} onChange={(e) => setGrouping(e.target.value as Grouping)}>
            {(Object.keys(GROUPINGS) as Grouping[]).map((g) => (
              <option key={g} value={g}>
                {GROUPINGS[g]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <dl className="kpis" data-testid="bets-kpis">
        <div>
          <dt>Staked</dt>
          <dd>{formatMoney(data.overall.staked)}</dd>
        </div>
        <div>
          <dt>Profit</dt>
          <dd className={tone(data.overall.profit)}>{formatMoney(data.overall.profit)}</dd>
        </div>
        <div>
          <dt>ROI</dt>
          <dd>{formatPercent(data.overall.roi, true)}</dd>
        </div>
        <div>
          <dt>Avg EV</dt>
          <dd>{formatPercent(data.overall.avg_ev, true)}</dd>
        </div>
        <div>
          <dt>Avg CLV</dt>
          <dd>{formatPercent(data.overall.avg_clv_price, true)}</dd>
        </div>
        <div>
          <dt>Beat the close</dt>
          <dd>{formatPercent(data.overall.beat_close_rate)}</dd>
        </div>
      </dl>
      <div className="tracker-scroll">
        <table className="tracker-table" aria-label={`Results by ${GROUPINGS[grouping].toLowerCase()}`}>
          <thead>
            <tr>
              <th scope="col">{GROUPINGS[grouping]}</th>
              <th scope="col" className="num">Bets</th>
              <th scope="col" className="num">W-L-P</th>
              <th scope="col" className="num">Staked</th>
              <th scope="col" className="num">Profit</th>
              <th scope="col" className="num">ROI</th>
              <th scope="col" className="num">Avg EV</th>
              <th scope="col" className="num">Avg CLV</th>
              <th scope="col" className="num">Beat close</th>
            </tr>
          </thead>
          <tbody>
            {groups.length === 0 ? (
              <tr>
                <td colSpan={9} className="muted">
                  Nothing recorded yet.
                </td>
              </tr>
            ) : (
              groups.map((figures) => <FiguresRow key={figures.key} figures={figures} label={figures.key} />)
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function BetRow({ bet }: { bet: Bet }) {
  const [preferences] = usePreferences();
  const settle = useSettleBet();
  const remove = useDeleteBet();
  const name = `${bet.away_team} @ ${bet.home_team}`;
  const outcome = `${bet.outcome} ${formatPoint(bet.point, bet.market)}`.trim();
  const failure = settle.error ?? remove.error;
  return (
    <tr data-bet-id={bet.id} data-status={bet.status}>
      <td className="wrap">
        {bet.event_id !== null ? <Link to={`/events/${bet.event_id}`}>{name}</Link> : name}
        <br />
        <small className="muted">
          {bet.sport} · {when(bet.commence_time)}
        </small>
      </td>
      <td>
        {bet.market}: {outcome}
      </td>
      <td>{bet.bookmaker}</td>
      <td className="num">{formatOdds(odds(bet.price_decimal, bet.price_american), preferences.odds_format)}</td>
      <td className="num">{formatMoney(bet.stake)}</td>
      <td className="num">{formatPercent(bet.ev_at_placement, true)}</td>
      <td className={`num ${bet.price_clv_status === "ok" ? tone(bet.clv_price) : "muted"}`}>
        {priceClvText(bet)}
      </td>
      <td className={`num ${bet.prob_clv_status === "ok" ? tone(bet.clv_prob) : "muted"}`}>{probClvText(bet)}</td>
      <td data-testid="bet-result">
        {bet.status === "settled" ? (
          <span className={`pill ${bet.result === "win" || bet.result === "half_win" ? "ok" : bet.result === "loss" || bet.result === "half_loss" ? "bad" : ""}`}>
            {RESULT_NAMES[bet.result ?? ""] ?? bet.result}
          </span>
        ) : (
          <span className="pill">Open</span>
        )}
        {bet.settled_by && (
          <small className="muted">
            {" "}
            {bet.settled_by === "auto" && bet.final_score ? `final ${bet.final_score.join("–")}` : bet.settled_by}
          </small>
        )}
      </td>
      <td className={`num ${tone(bet.profit)}`}>{formatMoney(bet.profit)}</td>
      <td>
        <div className="tracker-actions">
          <label>
            <span className="visually-hidden">Settle {name}</span>
            <select
              value={bet.status === "settled" ? (bet.result ?? "open") : "open"}
              disabled={settle.isPending}
              onChange={(e) => settle.mutate({ id: bet.id, result: e.target.value as Result })}
            >
              <option value="open">{bet.status === "settled" ? "Reopen" : "Settle…"}</option>
              {RESULTS.map((r) => (
                <option key={r} value={r}>
                  {RESULT_NAMES[r]}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="ghost"
            disabled={remove.isPending}
            aria-label={`Delete bet on ${name}`}
            onClick={() => {
              if (window.confirm(`Delete the bet on ${name}?`)) remove.mutate(bet.id);
            }}
          >
            Delete
          </button>
        </div>
        {failure && (
          <small className="negative" role="alert">
            {errorMessage(failure)}
          </small>
        )}
      </td>
    </tr>
  );
}

async function downloadCsv(): Promise<void> {
  const result = await api.GET("/api/bets.csv", { parseAs: "blob" });
  if (!result.response.ok || !(result.data instanceof Blob)) throw new ApiError(result.response.status, result.error);
  const url = URL.createObjectURL(result.data);
  const link = document.createElement("a");
  link.href = url;
  link.download = "fairedge-bets.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function Export() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <span className="tracker-actions">
      <button
        type="button"
        className="ghost"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          downloadCsv()
            .catch((e: unknown) => setError(errorMessage(e)))
            .finally(() => setBusy(false));
        }}
      >
        Export CSV
      </button>
      {error && (
        <small className="negative" role="alert">
          Export failed: {error}
        </small>
      )}
    </span>
  );
}

export function BetsPage() {
  const session = useSessionState();
  const [status, setStatus] = useState<Status>(null);
  const bets = useBets(status);
  const all = useBets(null);
  const curve = useMemo(() => profitCurve(all.data?.items ?? []), [all.data]);

  if (session.status === "anonymous") {
    return (
      <section className="page">
        <h1>Bet tracker</h1>
        <p className="notice">
          <Link to="/login?next=/bets">Log in</Link> to record your bets and see how they beat the close.
        </p>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby="bets-title">
      <div className="tracker-head">
        <h1 id="bets-title">Bet tracker</h1>
        <Export />
      </div>
      <p className="muted">
        Record a bet with one click from the <Link to="/">+EV table</Link>. Bets settle from final scores; CLV compares
        your price with the same book&apos;s close and with the sharp no-vig close at your point.
      </p>
      <section className="tracker-section" aria-labelledby="curve-title">
        <h2 id="curve-title">Profit over time</h2>
        {curve.times.length === 0 ? (
          <p className="muted">The curve starts with your first settled bet.</p>
        ) : (
          <ProfitChart curve={curve} />
        )}
      </section>
      <Summary />
      <section className="tracker-section" aria-labelledby="list-title">
        <div className="tracker-head">
          <h2 id="list-title">Bets{bets.data ? ` (${bets.data.page.total})` : ""}</h2>
          <label className="inline-label">
            Show
            <select
              value={status ?? "all"}
              onChange={(e) => setStatus(e.target.value === "all" ? null : (e.target.value as Status))}
            >
              <option value="all">All</option>
              <option value="open">Open</option>
              <option value="settled">Settled</option>
            </select>
          </label>
        </div>
        {bets.isPending ? (
          <p className="state" aria-busy="true">
            Loading bets…
          </p>
        ) : bets.isError ? (
          <p className="notice error" role="alert">
            Could not load your bets: {errorMessage(bets.error)}
          </p>
        ) : bets.data.items.length === 0 ? (
          <p className="state">No bets {status ? `${status} ` : ""}yet.</p>
        ) : (
          <div className="tracker-scroll">
            <table className="tracker-table" aria-label="Your bets">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Bet</th>
                  <th scope="col">Book</th>
                  <th scope="col" className="num">Price</th>
                  <th scope="col" className="num">Stake</th>
                  <th scope="col" className="num">EV</th>
                  <th scope="col" className="num" title="Your price against the same book's close at your point">
                    Price CLV
                  </th>
                  <th scope="col" className="num" title="Sharp no-vig closing probability minus your implied one">
                    No-vig CLV
                  </th>
                  <th scope="col">Result</th>
                  <th scope="col" className="num">Profit</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {bets.data.items.map((bet) => (
                  <BetRow key={bet.id} bet={bet} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {bets.data && bets.data.page.next_offset !== null && (
          <p className="muted">Showing the latest {bets.data.items.length}; the CSV export has them all.</p>
        )}
      </section>
    </section>
  );
}
