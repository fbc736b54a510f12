/** The admin pages' server state, through the generated client. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";
import type { components } from "../../api/schema";

export type AdminUser = components["schemas"]["AdminUserOut"];
export type AuditEvent = components["schemas"]["AuditEventOut"];
export type AdminStatus = components["schemas"]["AdminStatus"];
export type Role = AdminUser["role"];
export const ROLES: readonly Role[] = ["user", "analyst", "admin"];
export const PAGE_SIZE = 50;

export function useAdminUsers(email: string, offset: number) {
  return useQuery({
    queryKey: ["admin", "users", email, offset],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/admin/users", {
          params: { query: { email: email || undefined, offset, limit: PAGE_SIZE } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useAudit(offset: number) {
  return useQuery({
    queryKey: ["admin", "audit", offset],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/admin/audit", { params: { query: { offset, limit: PAGE_SIZE } }, signal })),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useAdminStatus() {
  return useQuery({
    queryKey: ["admin", "status"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/admin/status", { signal })),
    refetchInterval: 15_000,
    retry: false,
  });
}

export interface UserChange {
  id: number;
  role?: Role;
  disabled?: boolean;
  reason: string | null;
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, ...body }: UserChange) =>
      unwrap(await api.PATCH("/api/admin/users/{user_id}", { params: { path: { user_id: id } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
      void queryClient.invalidateQueries({ queryKey: ["me"] });
    },
  });
}
