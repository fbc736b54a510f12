/** The audit trail: role changes, grants, disables, password and key events, newest first. */
import { useId, useState } from "react";
import { errorMessage } from "../account/queries";
import { useAudit, type AuditEvent } from "./queries";
import { Pager } from "./UsersTable";

function details(event: AuditEvent): string {
  const entries = Object.entries(event.details ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ") : "—";
}

export function AuditTrail() {
  const id = useId();
  const [offset, setOffset] = useState(0);
  const audit = useAudit(offset);
  return (
    <section className="admin-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Audit trail</h2>
      {audit.isPending ? (
        <p className="muted">Loading the audit trail…</p>
      ) : audit.isError ? (
        <p className="notice error" role="alert">
          {errorMessage(audit.error)}
        </p>
      ) : audit.data.items.length === 0 ? (
        <p className="muted">Nothing audited yet.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="plain-table" aria-label="Audit trail">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">User</th>
                  <th scope="col">By</th>
                  <th scope="col">Details</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {audit.data.items.map((event) => (
                  <tr key={event.id}>
                    <td>{new Date(event.created_at).toLocaleString()}</td>
                    <td>{event.action}</td>
                    <td>{event.user_id ?? "—"}</td>
                    <td>{event.actor_id ?? "CLI"}</td>
                    <td>{details(event)}</td>
                    <td>{event.client_ip ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={audit.data.page.total} offset={offset} onChange={setOffset} />
        </>
      )}
    </section>
  );
}
