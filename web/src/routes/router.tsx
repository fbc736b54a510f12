/**
 * The pages, each its own chunk (route-level code splitting): the first load carries the shell and the
 * opportunities page only.
 */
import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout } from "./Layout";
import { RouteError } from "./RouteError";

export const routes: RouteObject[] = [
  {
    path: "/",
    element: <Layout />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <p className="page muted">Loading…</p>,
    children: [
      { index: true, lazy: async () => ({ Component: (await import("./OpportunitiesRoute")).default }) },
      { path: "arbitrage", lazy: async () => ({ Component: (await import("./ArbitrageRoute")).default }) },
      { path: "middles", lazy: async () => ({ Component: (await import("./MiddlesRoute")).default }) },
      { path: "events/:eventId", lazy: async () => ({ Component: (await import("./EventRoute")).default }) },
      { path: "login", lazy: async () => ({ Component: (await import("./LoginRoute")).default }) },
      { path: "bets", lazy: async () => ({ Component: (await import("./BetsRoute")).default }) },
      { path: "alerts", lazy: async () => ({ Component: (await import("./AlertsRoute")).default }) },
      { path: "plan", lazy: async () => ({ Component: (await import("./PlanRoute")).default }) },
      { path: "account/*", lazy: async () => ({ Component: (await import("./AccountRoute")).default }) },
      { path: "admin/*", lazy: async () => ({ Component: (await import("./AdminRoute")).default }) },
      { path: "verify-email", lazy: async () => ({ Component: (await import("./VerifyEmailRoute")).default }) },
      { path: "reset-password", lazy: async () => ({ Component: (await import("./ResetPasswordRoute")).default }) },
      { path: "*", lazy: async () => ({ Component: (await import("./NotFoundRoute")).default }) },
    ],
  },
];

export const router = createBrowserRouter(routes);
