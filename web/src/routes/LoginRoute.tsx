import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { LoginForm } from "../features/auth/LoginForm";

/** Only same-site paths: `next` must not send the user elsewhere after logging in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export default function LoginRoute() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const next = safeNext(params.get("next"));
  return (
    <section className="page" aria-labelledby="login-title">
      <h1 id="login-title">Log in</h1>
      {params.has("next") && <p className="muted">Your session ended; log in to go on where you were.</p>}
      <LoginForm
        onLoggedIn={() => {
          void queryClient.invalidateQueries();
          void navigate(next, { replace: true });
        }}
      />
      <p>
        No account yet? <Link to="/account">Create one</Link> · <Link to="/reset-password">Forgot your password?</Link>
      </p>
    </section>
  );
}
