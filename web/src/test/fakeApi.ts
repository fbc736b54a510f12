/** A stand-in for the API server: answers fetch by method and path, and records every request. */
import { vi } from "vitest";

export type Handler = (request: Request) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function fakeApi(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? new Request(input, init) : new Request(new URL(String(input), "http://localhost"), init);
    requests.push(request.clone());
    const path = new URL(request.url).pathname;
    const handler = routes[`${request.method} ${path}`];
    return handler ? handler(request) : json({ error: { code: "not_found", message: "no such route" } }, 404);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests, fetchMock };
}
