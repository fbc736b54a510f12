/**
 * In-app alert notifications: while a signed-in user with active alerts has the app open, the live stream's
 * `opened` opportunities are matched against those alerts here (the same terms as the server's) and each match
 * is shown once as a toast. One stream of its own (EventSource, token in the query), reopened after a refusal.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import type { Opportunity } from "../../api/types";
import { formatPercent } from "../../lib/format";
import { accessToken } from "../../lib/session";
import { useSessionState } from "../../lib/useSession";
import "../bets/tracker.css";
import { matchingAlerts } from "./match";
import { useAlerts } from "./queries";

const SHOW_MS = 20_000;
const RETRY_MS = 30_000;
const MAX_TOASTS = 4;

interface Toast {
  key: number;
  item: Opportunity;
  alerts: string[];
}

function headline(item: Opportunity): string {
  const figure = item.kind === "arbitrage" ? formatPercent(item.profit_margin, true) : formatPercent(item.ev, true);
  const leg = item.legs[0];
  const kind = item.kind === "ev" ? "+EV" : item.kind === "arbitrage" ? "Arbitrage" : "Middle";
  return `${kind} ${figure}: ${leg ? `${leg.outcome} at ${leg.bookmaker}` : item.market}`;
}

export function AlertNotifier() {
  const session = useSessionState();
  const alerts = useAlerts();
  const active = useMemo(() => (alerts.data ?? []).filter((a) => a.status === "active"), [alerts.data]);
  const activeRef = useRef(active);
  activeRef.current = active;
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seen = useRef(new Set<number>());
  const [retryAt, setRetryAt] = useState(0);

  // The kinds any active alert wants (all when one takes every kind): the stream carries only those.
  const kinds = useMemo(() => {
    if (active.some((a) => a.filters.kind.length === 0)) return [];
    return [...new Set(active.flatMap((a) => a.filters.kind))].sort();
  }, [active]);
  const listening = session.status === "authenticated" && active.length > 0 && typeof EventSource !== "undefined";
  const kindKey = kinds.join(",");

  useEffect(() => {
    if (!listening) return;
    let source: EventSource | null = null;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void accessToken().then((token) => {
      if (cancelled || token === null) return;
      // The stream opens rows only while under its cap: the default limit, not a small one.
      const search = new URLSearchParams({ access_token: token });
      for (const kind of kindKey ? kindKey.split(",") : []) search.append("kind", kind);
      source = new EventSource(`/api/stream/opportunities?${search.toString()}`);
      source.addEventListener("opened", (event: MessageEvent<string>) => {
        let item: Opportunity;
        try {
          item = JSON.parse(event.data) as Opportunity;
        } catch {
          return;
        }
        if (seen.current.has(item.id)) return;
        const matched = matchingAlerts(activeRef.current, item);
        if (matched.length === 0) return;
        seen.current.add(item.id);
        const toast = { key: item.id, item, alerts: matched.map((a) => a.name) };
        setToasts((list) => [toast, ...list].slice(0, MAX_TOASTS));
        setTimeout(() => setToasts((list) => list.filter((t) => t.key !== toast.key)), SHOW_MS);
      });
      source.addEventListener("error", () => {
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          timer = setTimeout(() => setRetryAt(Date.now()), RETRY_MS);
        }
      });
    });
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    };
  }, [listening, kindKey, retryAt]);

  return (
    <ul className="toasts" aria-live="polite" aria-label="Alert notifications">
      {toasts.map((toast) => (
        <li key={toast.key} className="toast" data-testid="alert-toast">
          <strong>{toast.alerts.join(", ")}</strong>
          <p>{headline(toast.item)}</p>
          <p>
            <Link to={`/events/${toast.item.event.id}`}>
              {toast.item.event.away_team} @ {toast.item.event.home_team}
            </Link>
          </p>
          <button
            type="button"
            className="ghost"
            aria-label="Dismiss notification"
            onClick={() => setToasts((list) => list.filter((t) => t.key !== toast.key))}
          >
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
