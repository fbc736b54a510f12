/**
 * The login session: the access token in memory, the refresh token in the httpOnly cookie `fairedge_refresh`.
 *
 * Why a cookie rather than localStorage: the API offers the web app `use_cookie` (docs/accounts.md), so the
 * refresh token, which is worth a whole session, is never readable by script (an XSS cannot steal it). The
 * readable `fairedge_csrf` cookie beside it is sent back as `X-CSRF-Token` (double submit) and tells a page load
 * that there is a session to resume.
 *
 * Refresh tokens are single use and a reused one ends the session (every tab's): refreshing happens in one
 * place only, `refreshAccessToken()`, single-flight within a tab and serialised across tabs by a Web Lock; the
 * tab that refreshed broadcasts the new access token so the others use it instead of refreshing again.
 */

export type SessionState =
  | { status: "unknown" }
  | { status: "anonymous" }
  | { status: "authenticated"; accessToken: string; expiresAt: number };

type Message = { type: "token"; accessToken: string; expiresAt: number } | { type: "logout" };

const CSRF_COOKIE = "fairedge_csrf";
const LOCK_NAME = "fairedge-refresh";
/** A token this close to expiry is refreshed before use. */
const MARGIN_MS = 30_000;

let state: SessionState = { status: "unknown" };
const listeners = new Set<() => void>();
const channel: BroadcastChannel | null =
  typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("fairedge-session");

function setState(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

channel?.addEventListener("message", (event: MessageEvent<Message>) => {
  const message = event.data;
  if (message.type === "token") {
    setState({ status: "authenticated", accessToken: message.accessToken, expiresAt: message.expiresAt });
  } else {
    setState({ status: "anonymous" });
  }
});

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getSession(): SessionState {
  return state;
}

export function csrfToken(): string | null {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** A cookie session exists (it may still have expired on the server). */
export function hasCookieSession(): boolean {
  return csrfToken() !== null;
}

interface TokenPair {
  access_token: string;
  expires_in: number;
}

/** Called after a login: the new access token for this tab and the others. */
export function acceptTokens(pair: TokenPair): string {
  const expiresAt = Date.now() + pair.expires_in * 1000;
  setState({ status: "authenticated", accessToken: pair.access_token, expiresAt });
  channel?.postMessage({ type: "token", accessToken: pair.access_token, expiresAt } satisfies Message);
  return pair.access_token;
}

/** Log out: the server revokes the session (the cookie's token family), every tab forgets it. */
export async function logout(): Promise<void> {
  const csrf = csrfToken();
  try {
    if (csrf !== null) {
      await fetch("/api/auth/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: "null",
      });
    }
  } finally {
    endSession();
  }
}

export function endSession(): void {
  setState({ status: "anonymous" });
  channel?.postMessage({ type: "logout" } satisfies Message);
}

function freshToken(): string | null {
  return state.status === "authenticated" && state.expiresAt - Date.now() > MARGIN_MS ? state.accessToken : null;
}

let inFlight: Promise<string | null> | null = null;

async function postRefresh(): Promise<string | null> {
  const csrf = csrfToken();
  if (csrf === null) {
    setState({ status: "anonymous" });
    return null;
  }
  const response = await fetch("/api/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: "null",
  });
  if (!response.ok) {
    // 401: expired, revoked or reused; the session is over in every tab.
    if (response.status === 401 || response.status === 403) endSession();
    return null;
  }
  return acceptTokens((await response.json()) as TokenPair);
}

/**
 * A valid access token, refreshing it if needed, or null when there is no session. `rejected`: the token the
 * server just refused (a 401), refreshed even if it looks fresh here, unless another tab has replaced it
 * meanwhile. One refresh at a time in this browser, whatever the number of tabs and callers.
 */
export function refreshAccessToken(rejected: string | null = null): Promise<string | null> {
  inFlight ??= (async () => {
    const run = async (): Promise<string | null> => {
      // Another tab may have refreshed while this one waited for the lock.
      const current = freshToken();
      if (current !== null && current !== rejected) return current;
      return postRefresh();
    };
    try {
      return typeof navigator !== "undefined" && navigator.locks
        ? await navigator.locks.request(LOCK_NAME, run)
        : await run();
    } catch {
      return null; // network failure: the caller shows its error state, the session is kept
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

/** The token to send now: the one in memory while fresh, else a refreshed one (null: anonymous). */
export async function accessToken(): Promise<string | null> {
  const current = freshToken();
  if (current !== null) return current;
  if (state.status === "anonymous") return null;
  if (!hasCookieSession()) {
    if (state.status === "unknown") setState({ status: "anonymous" });
    return null;
  }
  return refreshAccessToken();
}

/** Test hook: back to a page load's state. */
export function resetSessionForTests(): void {
  inFlight = null;
  state = { status: "unknown" };
}
