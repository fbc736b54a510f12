import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate, useNavigation } from "react-router";
import { onSessionExpired } from "../lib/api";
import { usePreferences } from "../lib/preferences";
import { accessToken, logout } from "../lib/session";
import { useMe, useSessionState } from "../lib/useSession";

// In-app alert notifications (features/alerts), loaded once a user is signed in: not in the first load.
const AlertNotifier = lazy(async () => ({ default: (await import("../features/alerts/AlertNotifier")).AlertNotifier }));

function useTheme(): void {
  const [{ theme }] = usePreferences();
  useEffect(() => {
    const root = document.documentElement;
    if (theme === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", theme);
  }, [theme]);
}

export function Layout() {
  useTheme();
  const navigate = useNavigate();
  const location = useLocation();
  const navigation = useNavigation();
  const queryClient = useQueryClient();
  const session = useSessionState();
  const me = useMe();
  const [preferences, setPreferences] = usePreferences();

  useEffect(() => {
    // A page load resumes a cookie session once (or settles on anonymous).
    void accessToken();
  }, []);

  useEffect(
    () =>
      onSessionExpired(() => {
        const here = window.location.pathname + window.location.search;
        if (!window.location.pathname.startsWith("/login")) {
          void navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
        }
      }),
    [navigate],
  );

  const user = me.data?.user;
  const isAdmin = user?.role === "admin";

  async function logOut(): Promise<void> {
    await logout().catch(() => undefined); // offline: this browser forgets the session all the same
    queryClient.clear();
    void navigate("/");
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="FairEdge home">
          <span aria-hidden="true" className="brand-mark">
            F
          </span>
          FairEdge
        </Link>
        <nav aria-label="Main" className="mainnav">
          <NavLink to="/" end>
            +EV
          </NavLink>
          <NavLink to="/arbitrage">Arbitrage</NavLink>
          <NavLink to="/middles">Middles</NavLink>
          {user && <NavLink to="/bets">Bets</NavLink>}
          {user && <NavLink to="/alerts">Alerts</NavLink>}
          {user && <NavLink to="/plan">Plan</NavLink>}
          {user && <NavLink to="/account">Account</NavLink>}
          {isAdmin && <NavLink to="/admin">Admin</NavLink>}
        </nav>
        <div className="toolbar">
          <label className="compact">
            <span className="visually-hidden">Odds format</span>
            <select
              value={preferences.odds_format}
              onChange={(e) => setPreferences({ odds_format: e.target.value === "decimal" ? "decimal" : "american" })}
            >
              <option value="american">American</option>
              <option value="decimal">Decimal</option>
            </select>
          </label>
          <button
            type="button"
            className="ghost"
            aria-label={`Theme: ${preferences.theme}. Change theme`}
            onClick={() =>
              setPreferences({
                theme: preferences.theme === "system" ? "dark" : preferences.theme === "dark" ? "light" : "system",
              })
            }
          >
            {preferences.theme === "dark" ? "☾" : preferences.theme === "light" ? "☀" : "◐"}
          </button>
          {session.status === "authenticated" ? (
            <button type="button" className="ghost" onClick={() => void logOut()}>
              Log out
            </button>
          ) : (
            location.pathname !== "/login" && (
              <Link className="button" to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>
                Log in
              </Link>
            )
          )}
        </div>
      </header>
      {navigation.state === "loading" && <div className="route-progress" role="progressbar" aria-label="Loading page" />}
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="page muted">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
      {user && (
        <Suspense fallback={null}>
          <AlertNotifier />
        </Suspense>
      )}
    </div>
  );
}
