/** Log in with e-mail and password; the refresh token goes into the httpOnly cookie (use_cookie). */
import { useId, useState, type FormEvent } from "react";
import { api } from "../../lib/api";
import { acceptTokens } from "../../lib/session";

export function LoginForm({ onLoggedIn }: { onLoggedIn: () => void }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const { data, error: body, response } = await api.POST("/api/auth/login", {
        body: { email, password, use_cookie: true },
      });
      if (data) {
        acceptTokens(data);
        onLoggedIn();
        return;
      }
      const info = (body as { error?: { message?: string; details?: { reason?: string } } } | undefined)?.error;
      setError(
        info?.details?.reason === "email_not_verified"
          ? "Confirm your e-mail address first: the link is in the message we sent."
          : response.status === 429
            ? "Too many attempts; wait a minute and try again."
            : (info?.message ?? `Login failed (HTTP ${response.status}).`),
      );
    } catch {
      setError("The server cannot be reached; check the connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="panel" style={{ display: "grid", gap: "0.75rem", maxWidth: "22rem" }} onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${id}-email`}>
        E-mail
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label htmlFor={`${id}-password`}>
        Password
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p className="notice error" role="alert" style={{ margin: 0 }}>
          {error}
        </p>
      )}
      <button type="submit" disabled={pending}>
        {pending ? "Logging in…" : "Log in"}
      </button>
    </form>
  );
}
