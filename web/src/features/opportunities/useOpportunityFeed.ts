/**
 * A live opportunity list: the server-sent events of GET /api/stream/opportunities (snapshot, opened, updated,
 * ended, confirmed, hidden, reset), and while the stream cannot be had (not deployed, refused, network) the list
 * GET /api/opportunities polled, through the same reducer. The stream is tried again every RETRY_MS.
 *
 * EventSource sends no headers: the access token goes in the `access_token` query parameter. EventSource
 * resumes by itself (Last-Event-ID) after a dropped connection; a refused one (401 after the token expired)
 * closes it, and the next attempt takes a fresh token.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useReducer, useRef, useState } from "react";
import { api, unwrap } from "../../lib/api";
import { accessToken } from "../../lib/session";
import type { Hidden, Opportunity } from "../../api/types";
import { emptyFeed, feedReducer, type FeedAction, type FeedState } from "./feed";
import { toSearch, type ListQuery } from "./filters";

export type Transport = "connecting" | "live" | "reconnecting" | "polling";

export const POLL_MS = 5_000;
/** The list's largest page (the stream takes more: up to 5,000). */
export const POLL_LIMIT = 500;
export const RETRY_MS = 30_000;
const TICK_MS = 500;


interface StreamHandlers {
  dispatch: (action: FeedAction<Opportunity>) => void;
  setTransport: (transport: Transport) => void;
  fallBack: () => void;
}

function parse<T>(event: MessageEvent<string>): T | null {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return null;
  }
}

function openStream(url: string, { dispatch, setTransport, fallBack }: StreamHandlers): EventSource {
  const source = new EventSource(url);
  let opened = false;
  source.addEventListener("open", () => {
    opened = true;
    setTransport("live");
  });
  source.addEventListener("snapshot", (event) => {
    const body = parse<{ items: Opportunity[]; hidden: Hidden | null }>(event);
    if (body) dispatch({ type: "snapshot", items: body.items, hidden: body.hidden, now: Date.now() });
  });
  for (const type of ["opened", "updated"] as const) {
    source.addEventListener(type, (event) => {
      const item = parse<Opportunity>(event);
      if (item) dispatch({ type, item, now: Date.now() });
    });
  }
  source.addEventListener("ended", (event) => {
    const body = parse<{ id: number; reason: string }>(event);
    if (body) dispatch({ type: "ended", id: body.id, reason: body.reason, now: Date.now() });
  });
  source.addEventListener("confirmed", (event) => {
    const body = parse<{ confirmed_at: string; ids: number[] }>(event);
    if (body) dispatch({ type: "confirmed", confirmedAt: body.confirmed_at, ids: body.ids });
  });
  source.addEventListener("hidden", (event) => {
    const hidden = parse<Hidden>(event);
    if (hidden) dispatch({ type: "hidden", hidden });
  });
  // reset: the server's view restarted; the snapshot that follows replaces the rows (kept until then).
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      fallBack();
    } else if (opened) {
      setTransport("reconnecting");
    }
  });
  return source;
}

export interface OpportunityFeed {
  state: FeedState<Opportunity>;
  transport: Transport;
  /** The polling fallback's error (the stream has none to show: it reconnects or falls back). */
  error: Error | null;
  now: number;
}

export function useOpportunityFeed(query: ListQuery, options: { stream?: boolean } = {}): OpportunityFeed {
  const useStream = options.stream ?? typeof EventSource !== "undefined";
  const [state, dispatch] = useReducer(feedReducer<Opportunity>, undefined, emptyFeed<Opportunity>);
  const [transport, setTransport] = useState<Transport>(useStream ? "connecting" : "polling");
  const [now, setNow] = useState(() => Date.now());
  const key = toSearch(query).toString();
  const attempt = useRef(0);
  const [retryAt, setRetryAt] = useState(0);

  // A new query starts a new list.
  useEffect(() => {
    dispatch({ type: "clear" });
  }, [key]);

  useEffect(() => {
    if (!useStream) return;
    let source: EventSource | null = null;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setTransport((t) => (t === "polling" ? t : "connecting"));
    void accessToken().then((token) => {
      if (cancelled) return;
      const search = new URLSearchParams(key);
      if (token !== null) search.set("access_token", token);
      source = openStream(`/api/stream/opportunities?${search.toString()}`, {
        dispatch,
        setTransport: (t) => {
          if (t === "live") attempt.current = 0;
          setTransport(t);
        },
        fallBack: () => {
          attempt.current += 1;
          setTransport("polling");
          // A first refusal is retried at once (a fresh token); after that, every RETRY_MS.
          timer = setTimeout(() => setRetryAt(Date.now()), attempt.current === 1 ? 1_000 : RETRY_MS);
        },
      });
    });
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
      source?.close();
    };
  }, [key, useStream, retryAt]);

  const polling = transport === "polling";
  const poll = useQuery({
    queryKey: ["opportunities", key],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/opportunities", {
          params: { query: { ...query, limit: Math.min(query.limit, POLL_LIMIT) } },
          signal,
        }),
      ),
    enabled: polling,
    refetchInterval: polling ? POLL_MS : false,
    refetchIntervalInBackground: false,
    staleTime: 0,
    gcTime: 0,
  });

  useEffect(() => {
    if (polling && poll.data) {
      dispatch({ type: "snapshot", items: poll.data.items as Opportunity[], hidden: poll.data.hidden, now: Date.now() });
    }
  }, [polling, poll.data, poll.dataUpdatedAt]);

  useEffect(() => {
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      dispatch({ type: "tick", now: t });
    }, TICK_MS);
    return () => clearInterval(timer);
  }, []);

  return { state, transport, error: polling ? (poll.error as Error | null) : null, now };
}
