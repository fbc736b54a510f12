import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { json, me, renderWithClient, serve } from "../account/testing";
import { AdminPage } from "./AdminPage";

const PAGE = { total: 1, offset: 0, limit: 50, next_offset: null };
const MEMBER = {
  id: 9,
  email: "member@example.com",
  role: "user",
  email_verified: true,
  disabled: false,
  created_at: "2026-12-01T10:00:00Z",
  last_login_at: null,
  plan: "free",
  grant: null,
};
const STATUS = {
  status: "healthy",
  timestamp: "2026-12-02T10:00:00Z",
  version: "0.1.0",
  services: { database: { status: "healthy" }, celery: { status: "embedded" } },
  odds: { provider: "simulator", sports: [{ sport: "basketball_nba", last_refresh_at: "x", age_seconds: 4 }], feed: {} },
  tasks: { source: "embedded", error: null, jobs: [] },
  cache: { hit_ratio: 0.5, target_hit_ratio: 0.9, views: [] },
};

beforeEach(() => acceptTokens({ access_token: "token", expires_in: 3600 }));

afterEach(() => {
  vi.unstubAllGlobals();
  endSession();
});

describe("AdminPage", () => {
  it("answers a non-admin with a clear 403 and asks the admin API nothing", async () => {
    const seen = serve({ "GET /api/me": () => json(me({ role: "user" })) });
    renderWithClient(<AdminPage />);
    expect((await screen.findByTestId("admin-forbidden")).textContent).toContain("403");
    expect(seen.some((r) => new URL(r.url).pathname.startsWith("/api/admin"))).toBe(false);
  });

  it("lets an admin change a role with a reason, then shows the audit trail again", async () => {
    let role = "user";
    const seen = serve({
      "GET /api/me": () => json(me({ role: "admin" })),
      "GET /api/admin/status": () => json(STATUS),
      "GET /api/admin/users": () => json({ items: [{ ...MEMBER, role }], page: PAGE }),
      "GET /api/admin/audit": () =>
        json({
          items:
            role === "analyst"
              ? [{ id: 1, action: "role_changed", user_id: 9, actor_id: 7, client_ip: null, details: { reason: "promotion" }, created_at: "2026-12-02T10:00:00Z" }]
              : [],
          page: { ...PAGE, total: role === "analyst" ? 1 : 0 },
        }),
      "PATCH /api/admin/users/9": async (request) => {
        role = ((await request.json()) as { role: string }).role;
        return json({ ...MEMBER, role });
      },
    });
    renderWithClient(<AdminPage />);
    expect(await screen.findByText("Nothing audited yet.")).toBeTruthy();
    expect((await screen.findByText("basketball_nba")).textContent).toBe("basketball_nba");

    fireEvent.change(await screen.findByLabelText("Role of member@example.com"), { target: { value: "analyst" } });
    fireEvent.change(screen.getByLabelText("Reason (audit)"), { target: { value: "promotion" } });
    fireEvent.click(screen.getByRole("button", { name: "Save role" }));

    expect(await screen.findByText("reason: promotion")).toBeTruthy();
    const patch = seen.find((r) => r.method === "PATCH");
    expect(await patch?.json()).toEqual({ role: "analyst", reason: "promotion" });
    await waitFor(() =>
      expect((screen.getByLabelText("Role of member@example.com") as HTMLSelectElement).value).toBe("analyst"),
    );
  });
});
