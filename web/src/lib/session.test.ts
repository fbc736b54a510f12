import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeApi, json } from "../test/fakeApi";
import { accessToken, acceptTokens, getSession, logout, refreshAccessToken, resetSessionForTests } from "./session";

function setCsrfCookie(value: string | null): void {
  document.cookie = value === null ? "fairedge_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/" : `fairedge_csrf=${value}; path=/`;
}

beforeEach(() => {
  resetSessionForTests();
  setCsrfCookie(null);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("session", () => {
  it("is anonymous without a session cookie, and asks nothing", async () => {
    const { fetchMock } = fakeApi({});
    expect(await accessToken()).toBeNull();
    expect(getSession().status).toBe("anonymous");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("resumes a cookie session with one refresh, sending the CSRF token", async () => {
    setCsrfCookie("csrf-1");
    const { requests } = fakeApi({
      "POST /api/auth/refresh": () => json({ access_token: "jwt-1", expires_in: 900, refresh_expires_at: "x" }),
    });
    expect(await accessToken()).toBe("jwt-1");
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.get("X-CSRF-Token")).toBe("csrf-1");
    // Fresh now: no second refresh.
    expect(await accessToken()).toBe("jwt-1");
    expect(requests).toHaveLength(1);
  });

  it("refreshes once for any number of callers at the same time (a reused refresh token ends the session)", async () => {
    setCsrfCookie("csrf-1");
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { requests } = fakeApi({
      "POST /api/auth/refresh": async () => {
        await gate;
        return json({ access_token: "jwt-2", expires_in: 900, refresh_expires_at: "x" });
      },
    });
    const callers = [refreshAccessToken("a"), refreshAccessToken("b"), accessToken(), refreshAccessToken()];
    release();
    expect(await Promise.all(callers)).toEqual(["jwt-2", "jwt-2", "jwt-2", "jwt-2"]);
    expect(requests).toHaveLength(1);
  });

  it("uses the token another tab refreshed instead of refreshing again", async () => {
    setCsrfCookie("csrf-1");
    const { fetchMock } = fakeApi({});
    acceptTokens({ access_token: "old", expires_in: 900 });
    // Another tab refreshed meanwhile and broadcast its token.
    const otherTab = new BroadcastChannel("fairedge-session");
    otherTab.postMessage({ type: "token", accessToken: "from-other-tab", expiresAt: Date.now() + 900_000 });
    await vi.waitFor(() => expect(getSession()).toMatchObject({ accessToken: "from-other-tab" }));
    otherTab.close();
    expect(await refreshAccessToken("old")).toBe("from-other-tab");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("ends the session when the refresh is refused", async () => {
    setCsrfCookie("csrf-1");
    fakeApi({ "POST /api/auth/refresh": () => json({ error: { code: "refresh_token_reused" } }, 401) });
    expect(await refreshAccessToken()).toBeNull();
    expect(getSession().status).toBe("anonymous");
  });

  it("keeps the session through a network failure", async () => {
    setCsrfCookie("csrf-1");
    acceptTokens({ access_token: "jwt-1", expires_in: 900 });
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("offline")));
    expect(await refreshAccessToken("jwt-1")).toBeNull();
    expect(getSession().status).toBe("authenticated");
  });

  it("logs out on the server and forgets the token", async () => {
    setCsrfCookie("csrf-1");
    acceptTokens({ access_token: "jwt-1", expires_in: 900 });
    const { requests } = fakeApi({ "POST /api/auth/logout": () => new Response(null, { status: 204 }) });
    await logout();
    expect(requests[0]!.headers.get("X-CSRF-Token")).toBe("csrf-1");
    expect(getSession().status).toBe("anonymous");
  });
});
