import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { json, serve } from "../bets/testing";
import { AlertsPage } from "./AlertsPage";
import type { Alert } from "./queries";

const ALERT: Alert = {
  id: 4,
  name: "NBA edges",
  status: "active",
  paused_reason: null,
  paused_at: null,
  channel: "discord",
  webhook: "https://discord.com/…",
  filters: {
    kind: ["ev"],
    sport: null,
    league: "basketball_nba",
    market: null,
    bookmaker: [],
    min_ev: 0.02,
    min_profit_margin: null,
    method: null,
  },
  consecutive_failures: 0,
  created_at: "2026-12-01T00:00:00Z",
  updated_at: "2026-12-01T00:00:00Z",
};

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <AlertsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => acceptTokens({ access_token: "token", expires_in: 3600 }));

afterEach(() => {
  endSession();
  vi.unstubAllGlobals();
});

describe("AlertsPage", () => {
  it("creates an alert with the filter typed in, and shows the server's refusal", async () => {
    const seen = serve({
      "GET /api/alerts": () => json([]),
      "POST /api/alerts": () => json({ error: { code: "plan_limit", message: "Your plan allows 3 alerts" } }, 403),
    });
    renderPage();
    expect(await screen.findByText(/No alerts yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "New alert" }));
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Big edges" } });
    fireEvent.change(screen.getByLabelText("Webhook URL"), { target: { value: "https://hooks.example/x" } });
    fireEvent.click(screen.getByLabelText("Arbitrage"));
    fireEvent.change(screen.getByLabelText("Min EV (%)"), { target: { value: "3" } });
    fireEvent.click(screen.getByRole("button", { name: "Create alert" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Your plan allows 3 alerts");
    const post = seen.find((r) => r.method === "POST")!;
    expect(await post.json()).toMatchObject({
      name: "Big edges",
      channel: "generic",
      webhook_url: "https://hooks.example/x",
      filters: { kind: ["ev", "arbitrage"], min_ev: 0.03 },
    });
  });

  it("lists alerts with their filter, pauses one and sends a test", async () => {
    const seen = serve({
      "GET /api/alerts": () => json([ALERT]),
      "POST /api/alerts/4/pause": () => json({ ...ALERT, status: "paused" }),
      "POST /api/alerts/4/test": () => json({ ok: false, status_code: 404, error: "webhook answered 404", duration_ms: 12 }),
    });
    renderPage();
    const card = await screen.findByRole("listitem", { name: "Alert NBA edges" });
    expect(card.textContent).toContain("basketball_nba · EV ≥ 2.0%");
    fireEvent.click(screen.getByRole("button", { name: "Send test" }));
    expect((await screen.findByTestId("test-result")).textContent).toBe(
      "Test failed (HTTP 404) in 12 ms: webhook answered 404",
    );
    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    await vi.waitFor(() => expect(seen.some((r) => r.url.endsWith("/api/alerts/4/pause"))).toBe(true));
  });

  it("says why the list is missing when the API fails", async () => {
    serve({ "GET /api/alerts": () => json({ error: { code: "boom", message: "alerts are unavailable" } }, 503) });
    renderPage();
    expect((await screen.findByRole("alert")).textContent).toContain("alerts are unavailable");
  });
});
