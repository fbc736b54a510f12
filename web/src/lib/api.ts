/**
 * The API client, generated from the OpenAPI schema (src/api/schema.d.ts, from `create_app().openapi()`):
 * every call is typed by path and method; no hand-written fetch per endpoint.
 *
 * Its fetch adds the access token, and on a 401 refreshes once (see session.ts) and retries; when that fails
 * too, `sessionExpired` listeners send the user to the login page and back.
 */
import createClient from "openapi-fetch";
import type { paths } from "../api/schema";
import { accessToken, refreshAccessToken } from "./session";

const expiredListeners = new Set<() => void>();

export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

function isAuthPath(url: string): boolean {
  return new URL(url, "http://x").pathname.startsWith("/api/auth/");
}

function withToken(request: Request, token: string | null): Request {
  const next = new Request(request);
  if (token !== null) next.headers.set("Authorization", `Bearer ${token}`);
  return next;
}

export async function authFetch(request: Request): Promise<Response> {
  if (isAuthPath(request.url)) return fetch(new Request(request, { credentials: "same-origin" }));
  const retry = request.clone();
  const token = await accessToken();
  const response = await fetch(withToken(request, token));
  if (response.status !== 401) return response;
  const refreshed = await refreshAccessToken(token ?? "");
  if (refreshed === null) {
    for (const listener of expiredListeners) listener();
    return response;
  }
  return fetch(withToken(retry, refreshed));
}

// Absolute: the Fetch API outside browsers (tests) refuses relative URLs.
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "", fetch: authFetch });

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
  detail?: unknown;
}

/** The message of the app's JSON error body, else a generic one naming the status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;

  constructor(status: number, body: unknown) {
    const info = (body as ApiErrorBody | undefined)?.error;
    super(info?.message ?? `request failed (HTTP ${status})`);
    this.status = status;
    this.code = info?.code;
  }
}

/** Unwraps an openapi-fetch result for TanStack Query: the data, or an ApiError thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  throw new ApiError(result.response.status, result.error);
}
