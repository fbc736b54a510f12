/** Test helpers of the tracker pages: a fetch stub answering by method and path, recording the requests. */
import { vi } from "vitest";

export type Route = (request: Request) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

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
