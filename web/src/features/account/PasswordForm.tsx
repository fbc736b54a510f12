/** Change the password: the server ends every other session and answers with a new one for this tab. */
import { useId, useState, type FormEvent } from "react";
import { api, ApiError, unwrap } from "../../lib/api";
import { acceptTokens, accessToken } from "../../lib/session";
import { errorMessage } from "./queries";

export function PasswordForm() {
  const id = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [state, setState] = useState<{ kind: "idle" | "pending" | "done" } | { kind: "error"; message: string }>({
    kind: "idle",
  });

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (next !== repeat) {
      setState({ kind: "error", message: "The new passwords differ." });
      return;
    }
    setState({ kind: "pending" });
    try {
      // /api/auth/* goes without the automatic token (see lib/api.ts): this one needs the user's.
      const token = await accessToken();
      if (token === null) throw new ApiError(401, { error: { message: "Your session ended; log in again." } });
      const pair = unwrap(
        await api.POST("/api/auth/password", {
          body: { current_password: current, new_password: next },
          headers: { Authorization: `Bearer ${token}` },
        }),
      );
      acceptTokens(pair);
      setCurrent("");
      setNext("");
      setRepeat("");
      setState({ kind: "done" });
    } catch (error) {
      setState({ kind: "error", message: errorMessage(error) });
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Password</h2>
      <form className="form-stack" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-current`}>
          Current password
          <input
            id={`${id}-current`}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label htmlFor={`${id}-new`}>
          New password (10 to 128 characters)
          <input
            id={`${id}-new`}
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={128}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label htmlFor={`${id}-repeat`}>
          New password again
          <input
            id={`${id}-repeat`}
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </label>
        {state.kind === "error" && (
          <p className="notice error" role="alert">
            {state.message}
          </p>
        )}
        {state.kind === "done" && (
          <p className="notice" role="status">
            Password changed. Every other session has been logged out.
          </p>
        )}
        <button type="submit" disabled={state.kind === "pending"}>
          {state.kind === "pending" ? "Changing…" : "Change password"}
        </button>
      </form>
    </section>
  );
}
