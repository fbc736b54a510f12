/**
 * Alerts: saved filters that post new matching opportunities to a webhook (generic JSON, Discord or Slack) and
 * notify in the app. Create, edit, pause/resume, test-send, delete; each alert's delivery log.
 */
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { formatPercent } from "../../lib/format";
import { useSessionState } from "../../lib/useSession";
import { errorMessage } from "../bets/messages";
import "../bets/tracker.css";
import { bodyOf, DraftError, draftOf, EMPTY_DRAFT, KINDS, type AlertDraft, type AlertKind } from "./form";
import {
  useAlerts,
  useDeleteAlert,
  useDeliveries,
  usePauseAlert,
  useSaveAlert,
  useTestAlert,
  type Alert,
  type AlertUpdate,
  type Channel,
} from "./queries";

const KIND_NAMES: Record<AlertKind, string> = { ev: "+EV", arbitrage: "Arbitrage", middle: "Middles" };
const CHANNELS: Record<Channel, string> = { generic: "Webhook (JSON)", discord: "Discord", slack: "Slack" };
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

function when(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateTime.format(date);
}

function filterSummary(alert: Alert): string {
  const f = alert.filters;
  const parts = [f.kind.length ? f.kind.map((k) => KIND_NAMES[k]).join(", ") : "every kind"];
  if (f.sport) parts.push(f.sport);
  if (f.league) parts.push(f.league);
  if (f.market) parts.push(f.market);
  if (f.bookmaker.length) parts.push(f.bookmaker.join(", "));
  if (f.min_ev !== null) parts.push(`EV ≥ ${formatPercent(f.min_ev)}`);
  if (f.min_profit_margin !== null) parts.push(`margin ≥ ${formatPercent(f.min_profit_margin)}`);
  return parts.join(" · ");
}

function AlertForm({ alert, onDone }: { alert: Alert | null; onDone: () => void }) {
  const id = useId();
  const [draft, setDraft] = useState<AlertDraft>(alert ? draftOf(alert) : EMPTY_DRAFT);
  const [problem, setProblem] = useState<string | null>(null);
  const save = useSaveAlert();
  const set = (change: Partial<AlertDraft>) => setDraft((d) => ({ ...d, ...change }));

  function submit(event: FormEvent): void {
    event.preventDefault();
    setProblem(null);
    try {
      const body = bodyOf(draft, alert === null);
      let request: AlertUpdate = body;
      if (alert !== null && !body.webhook_url) {
        const { webhook_url: _kept, ...rest } = body;
        request = rest;
      }
      save.mutate({ id: alert?.id ?? null, body: request }, { onSuccess: onDone });
    } catch (e) {
      if (e instanceof DraftError) setProblem(e.message);
      else throw e;
    }
  }

  const error = problem ?? (save.isError ? errorMessage(save.error) : null);
  return (
    <form className="panel tracker-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`} style={{ gridColumn: "1 / -1" }}>
        {alert ? `Edit “${alert.name}”` : "New alert"}
      </h2>
      <label>
        Name
        <input value={draft.name} maxLength={100} required onChange={(e) => set({ name: e.target.value })} />
      </label>
      <label>
        Channel
        <select value={draft.channel} onChange={(e) => set({ channel: e.target.value as Channel })}>
          {(Object.keys(CHANNELS) as Channel[]).map((c) => (
            <option key={c} value={c}>
              {CHANNELS[c]}
            </option>
          ))}
        </select>
      </label>
      <label style={{ gridColumn: "span 2" }}>
        Webhook URL
        <input
          type="url"
          inputMode="url"
          value={draft.webhookUrl}
          placeholder={alert ? `${alert.webhook} (leave empty to keep)` : "https://…"}
          required={alert === null}
          onChange={(e) => set({ webhookUrl: e.target.value })}
        />
      </label>
      <fieldset>
        <legend>Kinds</legend>
        {KINDS.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              checked={draft.kinds.includes(kind)}
              onChange={(e) =>
                set({ kinds: e.target.checked ? [...draft.kinds, kind] : draft.kinds.filter((k) => k !== kind) })
              }
            />
            {KIND_NAMES[kind]}
          </label>
        ))}
      </fieldset>
      <label>
        Sport
        <input value={draft.sport} placeholder="basketball" onChange={(e) => set({ sport: e.target.value })} />
      </label>
      <label>
        League
        <input value={draft.league} placeholder="basketball_nba" onChange={(e) => set({ league: e.target.value })} />
      </label>
      <label>
        Market
        <select value={draft.market} onChange={(e) => set({ market: e.target.value })}>
          <option value="">Any</option>
          <option value="h2h">Moneyline (h2h)</option>
          <option value="spreads">Spreads</option>
          <option value="totals">Totals</option>
        </select>
      </label>
      <label>
        Books
        <input value={draft.books} placeholder="any; e.g. draftkings, fanduel" onChange={(e) => set({ books: e.target.value })} />
      </label>
      <label>
        Min EV (%)
        <input
          inputMode="decimal"
          value={draft.minEvPercent}
          placeholder="e.g. 2"
          onChange={(e) => set({ minEvPercent: e.target.value })}
        />
      </label>
      <label>
        Min arbitrage margin (%)
        <input
          inputMode="decimal"
          value={draft.minMarginPercent}
          placeholder="e.g. 0.5"
          onChange={(e) => set({ minMarginPercent: e.target.value })}
        />
      </label>
      <div className="tracker-actions" style={{ gridColumn: "1 / -1" }}>
        <button type="submit" disabled={save.isPending}>
          {alert ? "Save alert" : "Create alert"}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
        {error && (
          <span className="negative" role="alert">
            {error}
          </span>
        )}
      </div>
    </form>
  );
}

function Deliveries({ alert }: { alert: Alert }) {
  const deliveries = useDeliveries(alert.id, true);
  if (deliveries.isPending) return <p className="muted" aria-busy="true">Loading deliveries…</p>;
  if (deliveries.isError) {
    return (
      <p className="notice error" role="alert">
        Delivery log unavailable: {errorMessage(deliveries.error)}
      </p>
    );
  }
  const items = deliveries.data.items;
  if (items.length === 0) return <p className="muted">No deliveries yet: new matching opportunities appear here.</p>;
  return (
    <div className="tracker-scroll">
      <table className="tracker-table" aria-label={`Deliveries of ${alert.name}`}>
        <thead>
          <tr>
            <th scope="col">Matched</th>
            <th scope="col">Opportunity</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Attempts</th>
            <th scope="col" className="num">HTTP</th>
            <th scope="col">Last attempt</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => {
            const event = (d.opportunity as { event?: { away_team?: string; home_team?: string } }).event;
            return (
              <tr key={d.id} data-testid="delivery" data-status={d.status}>
                <td>{when(d.created_at)}</td>
                <td className="wrap">
                  {event?.away_team && event.home_team ? `${event.away_team} @ ${event.home_team}` : `#${d.opportunity_id}`}
                </td>
                <td>
                  <span className={`pill ${d.status === "delivered" ? "ok" : d.status === "failed" ? "bad" : ""}`}>
                    {d.status}
                  </span>
                  {d.status === "pending" && d.next_attempt_at && (
                    <small className="muted"> next {when(d.next_attempt_at)}</small>
                  )}
                </td>
                <td className="num">{d.attempts}</td>
                <td className="num">{d.response_code ?? "—"}</td>
                <td>{when(d.last_attempt_at)}</td>
                <td className="wrap">{d.last_error ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function AlertCard({ alert, onEdit }: { alert: Alert; onEdit: () => void }) {
  const [open, setOpen] = useState(false);
  const pause = usePauseAlert();
  const test = useTestAlert();
  const remove = useDeleteAlert();
  const paused = alert.status === "paused";
  const failure = pause.error ?? remove.error ?? test.error;
  return (
    <li className="panel" data-alert-id={alert.id} aria-label={`Alert ${alert.name}`}>
      <div className="tracker-head">
        <h3 style={{ margin: 0, fontSize: "1rem" }}>
          {alert.name}{" "}
          <span className={`pill ${paused ? "bad" : "ok"}`} data-testid="alert-status">
            {paused ? "paused" : "active"}
          </span>
        </h3>
        <div className="tracker-actions">
          <button type="button" className="ghost" onClick={onEdit}>
            Edit
          </button>
          <button
            type="button"
            className="ghost"
            disabled={pause.isPending}
            onClick={() => pause.mutate({ id: alert.id, pause: !paused })}
          >
            {paused ? "Resume" : "Pause"}
          </button>
          <button type="button" className="ghost" disabled={test.isPending} onClick={() => test.mutate(alert.id)}>
            {test.isPending ? "Sending…" : "Send test"}
          </button>
          <button
            type="button"
            className="ghost"
            aria-expanded={open}
            aria-controls={`deliveries-${alert.id}`}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? "Hide deliveries" : "Deliveries"}
          </button>
          <button
            type="button"
            className="ghost"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the alert “${alert.name}”?`)) remove.mutate(alert.id);
            }}
          >
            Delete
          </button>
        </div>
      </div>
      <p className="muted" style={{ margin: "0.25rem 0" }}>
        {CHANNELS[alert.channel]} → <code>{alert.webhook}</code>
        <br />
        {filterSummary(alert)}
      </p>
      {paused && alert.paused_reason && (
        <p className="notice" role="status">
          Paused {when(alert.paused_at)}: {alert.paused_reason}
        </p>
      )}
      {alert.consecutive_failures > 0 && !paused && (
        <p className="notice error">{alert.consecutive_failures} failed deliveries in a row.</p>
      )}
      {test.data && (
        <p className={`notice${test.data.ok ? "" : " error"}`} role="status" data-testid="test-result">
          Test {test.data.ok ? "delivered" : "failed"}
          {test.data.status_code !== null ? ` (HTTP ${test.data.status_code})` : ""} in{" "}
          {Math.round(test.data.duration_ms)} ms{test.data.error ? `: ${test.data.error}` : ""}
        </p>
      )}
      {failure && (
        <p className="notice error" role="alert">
          {errorMessage(failure)}
        </p>
      )}
      <div id={`deliveries-${alert.id}`} hidden={!open}>
        {open && <Deliveries alert={alert} />}
      </div>
    </li>
  );
}

export function AlertsPage() {
  const session = useSessionState();
  const alerts = useAlerts();
  const [editing, setEditing] = useState<Alert | "new" | null>(null);

  if (session.status === "anonymous") {
    return (
      <section className="page">
        <h1>Alerts</h1>
        <p className="notice">
          <Link to="/login?next=/alerts">Log in</Link> to be told about new opportunities by webhook, Discord or Slack.
        </p>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby="alerts-title">
      <div className="tracker-head">
        <h1 id="alerts-title">Alerts</h1>
        {editing === null && (
          <button type="button" onClick={() => setEditing("new")}>
            New alert
          </button>
        )}
      </div>
      <p className="muted">
        A saved filter posts each new matching opportunity once to your webhook, and shows it here while the app is
        open. Your plan&apos;s delay and limits apply.
      </p>
      {editing !== null && (
        <AlertForm
          key={editing === "new" ? "new" : editing.id}
          alert={editing === "new" ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
      {alerts.isPending ? (
        <p className="state" aria-busy="true">
          Loading alerts…
        </p>
      ) : alerts.isError ? (
        <p className="notice error" role="alert">
          Could not load your alerts: {errorMessage(alerts.error)}
        </p>
      ) : alerts.data.length === 0 ? (
        <p className="state">No alerts yet. Create one to hear about opportunities before they are gone.</p>
      ) : (
        <ul className="tracker-section" style={{ listStyle: "none", padding: 0, display: "grid", gap: "0.75rem" }}>
          {alerts.data.map((alert) => (
            <AlertCard key={alert.id} alert={alert} onEdit={() => setEditing(alert)} />
          ))}
        </ul>
      )}
    </section>
  );
}
