import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetSessionForTests } from "../../lib/session";
import { fakeApi, json } from "../../test/fakeApi";
import { FakeEventSource } from "../../test/fakeEventSource";
import { evBet } from "../../test/factories";
import type { ListQuery } from "./filters";
import { useOpportunityFeed } from "./useOpportunityFeed";

const QUERY: ListQuery = { kind: ["ev"], sport: "basketball", limit: 500 };

function wrapper({ children }: { children: ReactNode }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

beforeEach(() => {
  resetSessionForTests();
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("useOpportunityFeed", () => {
  it("follows the stream: snapshot, opened, updated, ended, with the filters in its URL", async () => {
    fakeApi({});
    const { result } = renderHook(() => useOpportunityFeed(QUERY), { wrapper });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const source = FakeEventSource.latest();
    expect(source.url).toBe("/api/stream/opportunities?kind=ev&sport=basketball&limit=500");

    act(() => {
      source.open();
      source.emit("snapshot", { items: [evBet(1), evBet(2)], hidden: null });
    });
    expect(result.current.transport).toBe("live");
    expect(result.current.state.rows.size).toBe(2);

    act(() => {
      source.emit("opened", evBet(3));
      source.emit("updated", { ...evBet(1), ev: 0.2 });
      source.emit("ended", { id: 2, reason: "gone" });
    });
    const rows = result.current.state.rows;
    expect(rows.get(3)?.status).toBe("new");
    expect(rows.get(1)?.item).toMatchObject({ ev: 0.2 });
    expect(rows.get(2)?.status).toBe("ended");
  });

  it("sends the access token in the URL (EventSource sends no headers)", async () => {
    document.cookie = "fairedge_csrf=c; path=/";
    fakeApi({ "POST /api/auth/refresh": () => json({ access_token: "jwt-9", expires_in: 900, refresh_expires_at: "x" }) });
    renderHook(() => useOpportunityFeed(QUERY), { wrapper });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    expect(new URL(FakeEventSource.latest().url, "http://x").searchParams.get("access_token")).toBe("jwt-9");
    document.cookie = "fairedge_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
  });

  it("falls back to polling the list when the stream is refused, keeping the plan's hidden counts", async () => {
    const hidden = { total: 4, plan: "free", reasons: [{ reason: "delay", count: 4, message: "shown 10 minutes late" }] };
    const { requests } = fakeApi({
      "GET /api/opportunities": () =>
        json({ items: [evBet(7)], page: { total: 1, offset: 0, limit: 500, next_offset: null }, hidden }),
    });
    const { result } = renderHook(() => useOpportunityFeed(QUERY), { wrapper });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() => FakeEventSource.latest().fail());
    expect(result.current.transport).toBe("polling");
    await waitFor(() => expect(result.current.state.rows.get(7)).toBeDefined());
    expect(result.current.state.hidden).toEqual(hidden);
    const url = new URL(requests[0]!.url);
    expect(url.searchParams.getAll("kind")).toEqual(["ev"]);
    expect(url.searchParams.get("sport")).toBe("basketball");
  });
});
