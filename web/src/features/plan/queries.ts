/** The billing state and Stripe redirects, through the generated client. */
import { useMutation, useQuery } from "@tanstack/react-query";
import type { components } from "../../api/schema";
import { api, unwrap } from "../../lib/api";
import { useSessionState } from "../../lib/useSession";
import { redirectTo } from "./redirect";

export type Subscription = components["schemas"]["SubscriptionOut"];

/** GET /api/billing/subscription; null when this server has no billing routes (404): billing is off. */
export function useSubscription() {
  const session = useSessionState();
  return useQuery({
    queryKey: ["billing", "subscription"],
    queryFn: async ({ signal }): Promise<Subscription | null> => {
      const result = await api.GET("/api/billing/subscription", { signal });
      if (result.response.status === 404) return null;
      return unwrap(result);
    },
    enabled: session.status === "authenticated",
    retry: false,
    staleTime: 60_000,
  });
}

export function useCheckout() {
  return useMutation({
    mutationFn: async (plan: "pro" | "elite") => unwrap(await api.POST("/api/billing/checkout", { body: { plan } })),
    onSuccess: (answer) => redirectTo(answer.url),
  });
}

export function usePortal() {
  return useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/billing/portal")),
    onSuccess: (answer) => redirectTo(answer.url),
  });
}
