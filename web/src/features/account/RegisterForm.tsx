/** Create an account: the server mails a verification link (development: the outbox, `fairedge users outbox`). */
import { useId, useState, type FormEvent } from "react";
import { api, unwrap } from "../../lib/api";
import { errorMessage } from "./queries";

export function RegisterForm() {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [state, setState] = useState<{ kind: "idle" | "pending" | "sent" } | { kind: "error"; message: string }>({
    kind: "idle",
  });

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setState({ kind: "pending" });
    try {
      unwrap(await api.POST("/api/auth/register", { body: { email, password } }));
      setState({ kind: "sent" });
    } catch (error) {
      setState({ kind: "error", message: errorMessage(error) });
    }
  }

  if (state.kind === "sent") {
    return (
      <p className="notice" role="status" data-testid="register-sent">
        Check your mail: the link in the message we sent to {email} confirms the address, then you can log in. (On a
        development server the mail is in the outbox: <code>fairedge users outbox --to {email}</code>.)
      </p>
    );
  }
  return (
    <form className="form-stack" onSubmit={(e) => void submit(e)} aria-label="Create an account">
      <label htmlFor={`${id}-email`}>
        E-mail
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label htmlFor={`${id}-password`}>
        Password (10 to 128 characters, not your e-mail)
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={128}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {state.kind === "error" && (
        <p className="notice error" role="alert">
          {state.message}
        </p>
      )}
      <button type="submit" disabled={state.kind === "pending"}>
        {state.kind === "pending" ? "Creating…" : "Create account"}
      </button>
    </form>
  );
}
