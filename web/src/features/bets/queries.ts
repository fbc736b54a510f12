/** The bet tracker's server state: bets, the summary, settlement and deletion, through the generated client. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema";
import { api, unwrap } from "../../lib/api";

export type Bet = components["schemas"]["BetOut"];
export type BetPage = components["schemas"]["BetPage"];
export type Summary = components["schemas"]["SummaryOut"];
export type Figures = components["schemas"]["FiguresOut"];
export type BetIn = components["schemas"]["ManualBetIn"] | components["schemas"]["OpportunityBetIn"];
export type Result = NonNullable<components["schemas"]["BetPatch"]["result"]>;

export const PAGE_LIMIT = 200;

export function useBets(status: "open" | "settled" | null) {
  return useQuery({
    queryKey: ["bets", "list", status],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/bets", { params: { query: { status: status ?? undefined, limit: PAGE_LIMIT } }, signal }),
      ),
    refetchInterval: 30_000,
  });
}

export function useBetSummary() {
  return useQuery({
    queryKey: ["bets", "summary"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/bets-summary", { signal })),
    refetchInterval: 30_000,
  });
}

function useInvalidateBets() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: ["bets"] });
}

export function useRecordBet() {
  const invalidate = useInvalidateBets();
  return useMutation({
    mutationFn: async (body: BetIn) => unwrap(await api.POST("/api/bets", { body })),
    onSuccess: invalidate,
  });
}

export function useSettleBet() {
  const invalidate = useInvalidateBets();
  return useMutation({
    mutationFn: async ({ id, result }: { id: number; result: Result }) =>
      unwrap(await api.PATCH("/api/bets/{bet_id}", { params: { path: { bet_id: id } }, body: { result } })),
    onSuccess: invalidate,
  });
}

export function useDeleteBet() {
  const invalidate = useInvalidateBets();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/bets/{bet_id}", { params: { path: { bet_id: id } } });
      if (!result.response.ok) unwrap(result);
      return id;
    },
    onSuccess: invalidate,
  });
}
