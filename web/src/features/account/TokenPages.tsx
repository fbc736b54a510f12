/**
 * The pages the mailed links open: /verify-email?token=… confirms the address at once; /reset-password asks
 * for an address (a link is mailed) or, with a token, for the new password.
 */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../lib/api";
import { errorMessage } from "./queries";
import "./account.css";

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const verify = useMutation({
    mutationFn: async (value: string) => unwrap(await api.POST("/api/auth/verify-email", { body: { token: value } })),
  });
  const { mutate } = verify;
  useEffect(() => {
    if (token) mutate(token);
  }, [token, mutate]);

  return (
    <section className="page" aria-labelledby="verify-title">
      <h1 id="verify-title">Confirm your e-mail address</h1>
      {!token ? (
        <p className="notice error" role="alert">
          This link has no token: open the link from the mail in full.
        </p>
      ) : verify.isPending || verify.isIdle ? (
        <p className="muted">Confirming…</p>
      ) : verify.isError ? (
        <p className="notice error" role="alert">
          {errorMessage(verify.error)} Ask for a new link by logging in again.
        </p>
      ) : (
        <p className="notice" role="status">
          {verify.data.email} is confirmed. <Link to="/login">Log in</Link>.
        </p>
      )}
    </section>
  );
}

export function ResetPasswordPage() {
  const id = useId();
  const [params] = useSearchParams();
  const token = params.get("token");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const request = useMutation({
    mutationFn: async (address: string) =>
      unwrap(await api.POST("/api/auth/password-reset", { body: { email: address } })),
  });
  const confirm = useMutation({
    mutationFn: async (body: { token: string; new_password: string }) =>
      unwrap(await api.POST("/api/auth/password-reset/confirm", { body })),
  });

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (token) confirm.mutate({ token, new_password: password });
    else request.mutate(email);
  }

  const pending = request.isPending || confirm.isPending;
  const failed = request.error ?? confirm.error;
  return (
    <section className="page" aria-labelledby="reset-title">
      <h1 id="reset-title">Reset your password</h1>
      {request.isSuccess ? (
        <p className="notice" role="status">
          If {email} has an account, a reset link is on its way.
        </p>
      ) : confirm.isSuccess ? (
        <p className="notice" role="status">
          Password set; every session has ended. <Link to="/login">Log in</Link> with the new one.
        </p>
      ) : (
        <form className="panel form-stack" style={{ maxWidth: "22rem" }} onSubmit={submit}>
          {token ? (
            <label htmlFor={`${id}-password`}>
              New password (10 to 128 characters)
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
          ) : (
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
          )}
          {failed && (
            <p className="notice error" role="alert">
              {errorMessage(failed)}
            </p>
          )}
          <button type="submit" disabled={pending}>
            {token ? "Set password" : "Mail me a link"}
          </button>
        </form>
      )}
    </section>
  );
}
