/**
 * The account page. Anonymous: log in or create an account (and this browser's preferences). Logged in: the
 * plan and its limits, preferences on the account, API keys, the password.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { LoginForm } from "../auth/LoginForm";
import { useMe, useSessionState } from "../../lib/useSession";
import { ApiKeys } from "./ApiKeys";
import { PasswordForm } from "./PasswordForm";
import { PlanPanel } from "./PlanPanel";
import { PreferencesForm } from "./PreferencesForm";
import { RegisterForm } from "./RegisterForm";
import { errorMessage } from "./queries";
import "./account.css";

function Anonymous() {
  const queryClient = useQueryClient();
  return (
    <>
      <p className="muted">Log in to see your plan, keep your preferences on your account and create API keys.</p>
      <div className="account-grid">
        <section className="panel" aria-labelledby="account-login">
          <h2 id="account-login">Log in</h2>
          <LoginForm onLoggedIn={() => void queryClient.invalidateQueries()} />
          <p>
            <Link to="/reset-password">Forgot your password?</Link>
          </p>
        </section>
        <section className="panel" aria-labelledby="account-register">
          <h2 id="account-register">Create an account</h2>
          <RegisterForm />
        </section>
        <PreferencesForm signedIn={false} />
      </div>
    </>
  );
}

export function AccountPage() {
  const session = useSessionState();
  const me = useMe();
  let body;
  if (session.status === "unknown") body = <p className="state">Loading…</p>;
  else if (session.status === "anonymous") body = <Anonymous />;
  else if (me.isPending) body = <p className="state">Loading your account…</p>;
  else if (me.isError)
    body = (
      <p className="notice error" role="alert">
        {errorMessage(me.error)}{" "}
        <button type="button" className="ghost" onClick={() => void me.refetch()}>
          Retry
        </button>
      </p>
    );
  else
    body = (
      <>
        <p className="muted">
          Logged in as <strong data-testid="account-email">{me.data.user.email}</strong> ({me.data.user.role})
        </p>
        <div className="account-grid">
          <PlanPanel me={me.data} />
          <PreferencesForm key={me.data.user.id} signedIn />
          <ApiKeys allowed={me.data.api_keys.allowed} />
          <PasswordForm />
        </div>
      </>
    );
  return (
    <section className="page" aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      {body}
    </section>
  );
}
