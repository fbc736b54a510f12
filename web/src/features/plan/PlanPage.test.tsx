import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { json, serve } from "../bets/testing";

const assign = vi.fn();
vi.mock("./redirect", () => ({ redirectTo: (url: string) => assign(url) }));

const { PlanPage } = await import("./PlanPage");

const SUBSCRIPTION = {
  billing_enabled: true,
  plan: null,
  status: null,
  grants_plan: false,
  current_period_end: null,
  cancel_at_period_end: false,
  grace_ends_at: null,
  can_manage: false,
  plans_for_sale: ["pro", "elite"],
};

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <PlanPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  acceptTokens({ access_token: "token", expires_in: 3600 });
  assign.mockReset();
});

afterEach(() => {
  endSession();
  vi.unstubAllGlobals();
});

describe("PlanPage", () => {
  it("says billing is off when the server has no Stripe key", async () => {
    serve({ "GET /api/billing/subscription": () => json({ ...SUBSCRIPTION, billing_enabled: false, plans_for_sale: [] }) });
    renderPage();
    expect(await screen.findByTestId("billing-off")).toHaveProperty("textContent", expect.stringMatching(/Billing is off/));
    expect(screen.queryByRole("button", { name: /Upgrade/ })).toBeNull();
  });

  it("starts a checkout for the plan chosen and sends the browser to Stripe's URL", async () => {
    const seen = serve({
      "GET /api/billing/subscription": () => json(SUBSCRIPTION),
      "POST /api/billing/checkout": () => json({ url: "https://checkout.stripe.test/c/cs_123" }),
    });
    renderPage();
    fireEvent.click(await screen.findByRole("button", { name: "Upgrade to Elite" }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith("https://checkout.stripe.test/c/cs_123"));
    const checkout = seen.find((r) => r.method === "POST");
    expect(await checkout?.json()).toEqual({ plan: "elite" });
  });

  it("opens the portal for a subscriber and shows a refusal as the server words it", async () => {
    serve({
      "GET /api/billing/subscription": () =>
        json({ ...SUBSCRIPTION, plan: "pro", status: "active", grants_plan: true, can_manage: true }),
      "POST /api/billing/portal": () => json({ error: { code: "stripe_unavailable", message: "Stripe is unreachable" } }, 503),
    });
    renderPage();
    expect(await screen.findByTestId("subscription-status")).toHaveProperty("textContent", "Pro — active");
    expect(screen.queryByRole("button", { name: /Upgrade to Pro/ })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Manage subscription" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Stripe is unreachable");
    expect(assign).not.toHaveBeenCalled();
  });
});
