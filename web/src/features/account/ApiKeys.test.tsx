import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptTokens, endSession } from "../../lib/session";
import { ApiKeys } from "./ApiKeys";
import { json, renderWithClient, serve } from "./testing";

const KEY = { id: 3, name: "script", prefix: "fe_abcdefgh", created_at: "2026-12-02T10:00:00Z", last_used_at: null, revoked_at: null };

beforeEach(() => acceptTokens({ access_token: "token", expires_in: 3600 }));

afterEach(() => {
  vi.unstubAllGlobals();
  endSession();
});

describe("ApiKeys", () => {
  it("shows a new key once, then revokes it after confirmation", async () => {
    let keys: (typeof KEY)[] = [];
    const seen = serve({
      "GET /api/keys": () => json(keys),
      "POST /api/keys": () => {
        keys = [KEY];
        return json({ ...KEY, key: "fe_abcdefgh_the_whole_secret" }, 201);
      },
      "DELETE /api/keys/3": () => {
        keys = [];
        return json({ ...KEY, revoked_at: "2026-12-02T10:05:00Z" });
      },
    });
    renderWithClient(<ApiKeys allowed={5} />);
    expect(await screen.findByText("No API keys yet.")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Key name"), { target: { value: "script" } });
    fireEvent.click(screen.getByRole("button", { name: "Create key" }));
    expect((await screen.findByTestId("new-key-value")).textContent).toBe("fe_abcdefgh_the_whole_secret");
    expect(await screen.findByRole("button", { name: "Revoke script" })).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByTestId("new-key")).toBeNull();

    vi.stubGlobal("confirm", () => true);
    fireEvent.click(screen.getByRole("button", { name: "Revoke script" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Revoke script" })).toBeNull());
    expect(seen.filter((r) => r.method === "DELETE").map((r) => new URL(r.url).pathname)).toEqual(["/api/keys/3"]);
  });

  it("says the plan has no keys instead of offering the form", async () => {
    serve({ "GET /api/keys": () => json([]) });
    renderWithClient(<ApiKeys allowed={0} />);
    expect(await screen.findByText(/Your plan includes no API keys/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Create key" })).toBeNull();
  });
});
