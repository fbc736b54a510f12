import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { PlanPanel, planLimits } from "./PlanPanel";
import { json, me, renderWithClient, serve } from "./testing";

afterEach(() => {
  vi.unstubAllGlobals();
  endSession();
});

describe("planLimits", () => {
  it("says what the free plan withholds and why", () => {
    const limits = planLimits(me().plan);
    expect(limits).toEqual([
      "Opportunities appear 5m 00s after they are found (delayed).",
      "At most 20 results per list (capped).",
      "Markets: h2h only.",
      "Not included: arbitrage, middles.",
      "No API keys: the data is for the browser only.",
    ]);
  });

  it("has nothing to say about a plan without limits", () => {
    const plan = { ...me().plan, kinds: ["ev", "arbitrage", "middle"], markets: null, delay_seconds: 0 };
    expect(planLimits({ ...plan, max_results: null, api_keys: 20 })).toEqual([]);
  });
});

describe("PlanPanel", () => {
  it("says billing is off when the server has no billing", async () => {
    acceptTokens({ access_token: "token", expires_in: 3600 });
    serve({});
    renderWithClient(<PlanPanel me={me()} />);
    expect((await screen.findByTestId("billing-off")).textContent).toContain("Billing is off");
    expect(screen.getByTestId("plan-limits").textContent).toContain("(delayed)");
    expect(screen.getByText("54").textContent).toBe("54");
  });

  it("shows the subscription when billing is on", async () => {
    acceptTokens({ access_token: "token", expires_in: 3600 });
    serve({
      "GET /api/billing/subscription": () =>
        json({
          billing_enabled: true,
          plan: "pro",
          status: "active",
          grants_plan: true,
          current_period_end: "2027-01-01T00:00:00Z",
          cancel_at_period_end: false,
          grace_ends_at: null,
          can_manage: true,
          plans_for_sale: ["elite"],
        }),
    });
    renderWithClient(<PlanPanel me={me({ plan: { name: "pro", title: "Pro", api_keys: 5 } })} />);
    expect((await screen.findByTestId("billing-on")).textContent).toContain("pro (active)");
    expect(screen.getByRole("link", { name: "Upgrade or manage your plan" }).getAttribute("href")).toBe("/plan");
  });
});
