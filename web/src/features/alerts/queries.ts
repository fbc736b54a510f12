/** Alerts' server state: saved filters, pause/resume, test-send and the delivery log, via the generated client. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema";
import { api, unwrap } from "../../lib/api";
import { useSessionState } from "../../lib/useSession";

export type Alert = components["schemas"]["AlertOut"];
export type AlertCreate = components["schemas"]["AlertCreate"];
export type AlertUpdate = components["schemas"]["AlertUpdate"];
export type AlertFilters = components["schemas"]["FilterOut"];
export type FilterIn = components["schemas"]["FilterIn"];
export type Delivery = components["schemas"]["DeliveryOut"];
export type Channel = Alert["channel"];

export function useAlerts() {
  const session = useSessionState();
  return useQuery({
    queryKey: ["alerts"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/alerts", { signal })),
    enabled: session.status === "authenticated",
    staleTime: 30_000,
  });
}

export function useDeliveries(alertId: number, enabled: boolean) {
  return useQuery({
    queryKey: ["alerts", alertId, "deliveries"],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/alerts/{alert_id}/deliveries", {
          params: { path: { alert_id: alertId }, query: { limit: 50 } },
          signal,
        }),
      ),
    enabled,
    refetchInterval: enabled ? 5_000 : false,
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: ["alerts"] });
}

export function useSaveAlert() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ id, body }: { id: number | null; body: AlertCreate | AlertUpdate }) =>
      id === null
        ? unwrap(await api.POST("/api/alerts", { body: body as AlertCreate }))
        : unwrap(await api.PATCH("/api/alerts/{alert_id}", { params: { path: { alert_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function usePauseAlert() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ id, pause }: { id: number; pause: boolean }) => {
      const params = { params: { path: { alert_id: id } } };
      return pause
        ? unwrap(await api.POST("/api/alerts/{alert_id}/pause", params))
        : unwrap(await api.POST("/api/alerts/{alert_id}/resume", params));
    },
    onSuccess: invalidate,
  });
}

export function useTestAlert() {
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/alerts/{alert_id}/test", { params: { path: { alert_id: id } } })),
  });
}

export function useDeleteAlert() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/alerts/{alert_id}", { params: { path: { alert_id: id } } });
      if (!result.response.ok) unwrap(result);
      return id;
    },
    onSuccess: invalidate,
  });
}
