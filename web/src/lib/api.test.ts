import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json } from "../test/fakeApi";
import { api, ApiError, onSessionExpired, unwrap } from "./api";
import { acceptTokens, resetSessionForTests } from "./session";

const SPORTS = [{ key: "basketball_nba", sport: "basketball", league: "NBA", active: true, events: 3 }];

beforeEach(() => {
  resetSessionForTests();
  document.cookie = "fairedge_csrf=csrf-1; path=/";
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "fairedge_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
});

describe("api client", () => {
  it("sends the access token", async () => {
    acceptTokens({ access_token: "jwt-1", expires_in: 900 });
    const { requests } = fakeApi({ "GET /api/sports": () => json(SPORTS) });
    expect(unwrap(await api.GET("/api/sports"))).toEqual(SPORTS);
    expect(requests[0]!.headers.get("Authorization")).toBe("Bearer jwt-1");
  });

  it("refreshes once on a 401 and retries with the new token", async () => {
    acceptTokens({ access_token: "expired", expires_in: 900 });
    const { requests } = fakeApi({
      "GET /api/sports": (request) =>
        request.headers.get("Authorization") === "Bearer jwt-2" ? json(SPORTS) : json({ error: { code: "unauthorized" } }, 401),
      "POST /api/auth/refresh": () => json({ access_token: "jwt-2", expires_in: 900, refresh_expires_at: "x" }),
    });
    expect(unwrap(await api.GET("/api/sports"))).toEqual(SPORTS);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(["/api/sports", "/api/auth/refresh", "/api/sports"]);
  });

  it("tells the app the session expired when the refresh fails too", async () => {
    acceptTokens({ access_token: "expired", expires_in: 900 });
    fakeApi({
      "GET /api/sports": () => json({ error: { code: "unauthorized", message: "token expired" } }, 401),
      "POST /api/auth/refresh": () => json({ error: { code: "unauthorized" } }, 401),
    });
    const expired = vi.fn();
    const stop = onSessionExpired(expired);
    const result = await api.GET("/api/sports");
    stop();
    expect(expired).toHaveBeenCalledOnce();
    expect(() => unwrap(result)).toThrow("token expired");
    expect(result.response.status).toBe(401);
  });

  it("turns the app's JSON errors into messages", () => {
    let error = new ApiError(0, undefined);
    try {
      unwrap({ error: { error: { code: "not_found", message: "no event 7" } }, response: new Response(null, { status: 404 }) });
    } catch (e) {
      error = e as ApiError;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("no event 7");
    expect(error.status).toBe(404);
    expect(error.code).toBe("not_found");
  });
});
