/** The admin page: system status, users and roles, the audit trail. Everybody else gets a clear 403. */
import { Link, useLocation } from "react-router";
import { useMe, useSessionState } from "../../lib/useSession";
import { errorMessage } from "../account/queries";
import { AuditTrail } from "./AuditTrail";
import { SystemStatus } from "./SystemStatus";
import { UsersTable } from "./UsersTable";
import "../account/account.css";

export function AdminPage() {
  const session = useSessionState();
  const me = useMe();
  const location = useLocation();
  let body;
  if (session.status === "unknown" || (session.status === "authenticated" && me.isPending)) {
    body = <p className="state">Loading…</p>;
  } else if (session.status === "anonymous") {
    body = (
      <p className="notice error" role="alert" data-testid="admin-forbidden">
        403 — the admin pages are for administrators.{" "}
        <Link to={`/login?next=${encodeURIComponent(location.pathname)}`}>Log in</Link> with an admin account.
      </p>
    );
  } else if (me.isError) {
    body = (
      <p className="notice error" role="alert">
        {errorMessage(me.error)}
      </p>
    );
  } else if (me.data?.user.role !== "admin") {
    body = (
      <p className="notice error" role="alert" data-testid="admin-forbidden">
        403 — the admin pages are for administrators; your account ({me.data?.user.email}) is a{" "}
        {me.data?.user.role}. Ask an administrator if you need access.
      </p>
    );
  } else {
    body = (
      <>
        <SystemStatus />
        <UsersTable />
        <AuditTrail />
      </>
    );
  }
  return (
    <section className="page" aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      {body}
    </section>
  );
}
