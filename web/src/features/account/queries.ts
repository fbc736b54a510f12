/** The account's server state: keys, the billing state; every call through the generated client. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../lib/api";
import type { components } from "../../api/schema";

export type Me = components["schemas"]["Me"];
export type Plan = components["schemas"]["PlanOut"];
export type ApiKey = components["schemas"]["ApiKeyOut"];
export type ApiKeyCreated = components["schemas"]["ApiKeyCreated"];
export type Subscription = components["schemas"]["SubscriptionOut"];

/** A failure as a sentence a person can act on. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "The server cannot be reached; check the connection and try again.";
}

export function useApiKeys() {
  return useQuery({
    queryKey: ["keys"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/keys", { signal })),
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/keys", { body: { name } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["keys"] });
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.DELETE("/api/keys/{key_id}", { params: { path: { key_id: id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["keys"] });
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
  });
}

/**
 * GET /api/billing/subscription: null when billing is not part of this server (older API, 404), so the page
 * says billing is off rather than failing.
 */
export function useSubscription() {
  return useQuery({
    queryKey: ["billing", "subscription"],
    queryFn: async ({ signal }): Promise<Subscription | null> => {
      const result = await api.GET("/api/billing/subscription", { signal });
      if (result.response.status === 404) return null;
      return unwrap(result);
    },
    retry: false,
    staleTime: 60_000,
  });
}
