import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, unwrap } from "./api";
import { getSession, subscribe, type SessionState } from "./session";

export function useSessionState(): SessionState {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

/** GET /api/me: the caller (a user, or anonymous in development) and the plan that decides what they see. */
export function useMe() {
  const session = useSessionState();
  return useQuery({
    queryKey: ["me"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/me", { signal })),
    // Anonymous callers have no account to describe (401 "log in first"): asked only with a session.
    enabled: session.status === "authenticated",
    staleTime: 60_000,
    retry: false,
  });
}
