/** Test helpers for the account and admin pages: a fake API behind fetch and a rendered page. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import type { Me } from "./queries";

export type Route = (request: Request) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** fetch answered by `routes` ("METHOD /path"); anything else is a 404. Returns the requests seen. */
export function serve(routes: Record<string, Route>): Request[] {
  const seen: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
      seen.push(request.clone());
      const handler = routes[`${request.method} ${new URL(request.url).pathname}`];
      return handler ? handler(request) : json({ error: { code: "not_found", message: "no route" } }, 404);
    }),
  );
  return seen;
}

export function renderWithClient(node: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>{node}</MemoryRouter>
    </QueryClientProvider>,
  );
}

export function me(overrides: { role?: "user" | "analyst" | "admin"; plan?: Partial<Me["plan"]> } = {}): Me {
  return {
    user: {
      id: 7,
      email: "someone@example.com",
      role: overrides.role ?? "user",
      email_verified: true,
      disabled: false,
      created_at: "2026-12-01T10:00:00Z",
      last_login_at: null,
    },
    plan: {
      name: "free",
      title: "Free",
      kinds: ["ev"],
      markets: ["h2h"],
      sports: null,
      delay_seconds: 300,
      max_results: 20,
      api_keys: 0,
      rate_limit: "60/minute",
      ...overrides.plan,
    },
    grant: null,
    requests: { limit: 60, remaining: 54, reset_seconds: 30, known: true },
    api_keys: { live: 0, allowed: overrides.plan?.api_keys ?? 0 },
    preferences: {
      bankroll: null,
      kelly_multiplier: 0.25,
      odds_format: "american",
      theme: "system",
      default_filters: {
        sport: null,
        league: null,
        market: null,
        books: [],
        min_ev: null,
        max_age_seconds: null,
        devig_method: null,
      },
    },
  };
}
