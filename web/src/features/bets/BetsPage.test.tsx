import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { BetsPage } from "./BetsPage";
import type { Bet, Figures } from "./queries";
import { json, serve } from "./testing";

vi.mock("./ProfitChart", () => ({ ProfitChart: () => <div data-testid="profit-chart" /> }));

function figures(key: string, overrides: Partial<Figures> = {}): Figures {
  return {
    key,
    bets: 1,
    open: 0,
    settled: 1,
    wins: 1,
    losses: 0,
    pushes: 0,
    staked: 10,
    risked: 10,
    profit: 11,
    roi: 1.1,
    avg_ev: 0.03,
    avg_clv_price: null,
    avg_clv_prob: null,
    bets_with_clv: 0,
    beat_close_rate: null,
    ...overrides,
  };
}

const SETTLED: Bet = {
  id: 7,
  event_id: 3,
  sport: "basketball_nba",
  home_team: "Celtics",
  away_team: "Knicks",
  commence_time: "2026-12-01T00:00:00Z",
  market: "spreads",
  period: "full",
  outcome: "Celtics",
  point: -3.5,
  bookmaker: "fanduel",
  price_decimal: 2.1,
  price_american: 110,
  stake: 10,
  placed_at: "2026-11-30T00:00:00Z",
  opportunity_id: 55,
  opportunity_kind: "ev",
  ev_at_placement: 0.03,
  fair_prob_at_placement: 0.5,
  status: "settled",
  result: "win",
  profit: 11,
  settled_at: "2026-12-01T03:00:00Z",
  settled_by: "auto",
  final_score: [110, 100],
  price_clv_status: "no_comparable_close",
  closing_price: null,
  clv_price: null,
  prob_clv_status: "ok",
  closing_fair_prob: 0.52,
  clv_prob: 0.0438,
  clv_devig_method: "shin",
};

const SUMMARY = {
  overall: figures("all"),
  by_sport: [figures("basketball_nba")],
  by_book: [figures("fanduel")],
  by_market: [figures("spreads")],
  by_month: [figures("2026-11")],
};

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <BetsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function page(items: Bet[]) {
  return json({ items, page: { total: items.length, offset: 0, limit: 200, next_offset: null } });
}

beforeEach(() => acceptTokens({ access_token: "token", expires_in: 3600 }));

afterEach(() => {
  endSession();
  vi.unstubAllGlobals();
});

describe("BetsPage", () => {
  it("shows each bet's settlement and CLV, saying when no close is comparable, and the summary", async () => {
    serve({ "GET /api/bets": () => page([SETTLED]), "GET /api/bets-summary": () => json(SUMMARY) });
    renderPage();
    const table = await screen.findByRole("table", { name: "Your bets" });
    const row = within(table).getAllByRole("row")[1]!;
    expect(row.textContent).toContain("spreads: Celtics -3.5");
    expect(row.textContent).toContain("no comparable close");
    expect(row.textContent).toContain("+4.4 pp");
    expect(within(row).getByTestId("bet-result").textContent).toBe("Win final 110–100");
    expect(screen.getByTestId("profit-chart")).toBeTruthy();
    const bySport = screen.getByRole("table", { name: "Results by sport" });
    expect(bySport.textContent).toContain("basketball_nba");
    fireEvent.change(screen.getByLabelText("Group by"), { target: { value: "by_month" } });
    expect(screen.getByRole("table", { name: "Results by month" }).textContent).toContain("2026-11");
  });

  it("settles by hand with PATCH result and says so when nothing is recorded yet", async () => {
    const open: Bet = { ...SETTLED, status: "open", result: null, profit: null, settled_at: null, settled_by: null };
    const seen = serve({
      "GET /api/bets": () => page([open]),
      "GET /api/bets-summary": () => json({ ...SUMMARY, by_sport: [] }),
      "PATCH /api/bets/7": () => json({ ...SETTLED, result: "loss", profit: -10 }),
    });
    renderPage();
    expect(await screen.findByText("Nothing recorded yet.")).toBeTruthy();
    fireEvent.change(await screen.findByLabelText("Settle Knicks @ Celtics"), { target: { value: "loss" } });
    await vi.waitFor(() => expect(seen.some((r) => r.method === "PATCH")).toBe(true));
    const patch = seen.find((r) => r.method === "PATCH")!;
    expect(await patch.json()).toEqual({ result: "loss" });
  });

  it("shows the API's error instead of an empty list", async () => {
    serve({
      "GET /api/bets": () => json({ error: { code: "unavailable", message: "database unavailable" } }, 503),
      "GET /api/bets-summary": () => json(SUMMARY),
    });
    renderPage();
    expect((await screen.findByRole("alert")).textContent).toContain("database unavailable");
  });
});
