/** Users with their role, plan and state; an admin changes a role (with a reason for the audit) or disables. */
import { useId, useState } from "react";
import { errorMessage } from "../account/queries";
import { PAGE_SIZE, ROLES, useAdminUsers, useUpdateUser, type AdminUser, type Role } from "./queries";

function UserRow({ user }: { user: AdminUser }) {
  const id = useId();
  const update = useUpdateUser();
  const [role, setRole] = useState<Role>(user.role);
  const [reason, setReason] = useState("");
  const changed = role !== user.role;
  return (
    <tr data-testid={`user-${user.email}`}>
      <td>{user.email}</td>
      <td>
        <label htmlFor={`${id}-role`} className="visually-hidden">
          Role of {user.email}
        </label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        {changed && (
          <div className="form-row" style={{ marginTop: "0.25rem" }}>
            <label htmlFor={`${id}-reason`}>
              Reason (audit)
              <input id={`${id}-reason`} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
            <button
              type="button"
              disabled={update.isPending}
              onClick={() => update.mutate({ id: user.id, role, reason: reason.trim() || null })}
            >
              Save role
            </button>
            <button type="button" className="ghost" onClick={() => setRole(user.role)}>
              Cancel
            </button>
          </div>
        )}
        {update.isError && (
          <p className="notice error" role="alert">
            {errorMessage(update.error)}
          </p>
        )}
      </td>
      <td>{user.plan}</td>
      <td>
        {user.disabled ? (
          <span className="badge bad">disabled</span>
        ) : user.email_verified ? (
          <span className="badge ok">active</span>
        ) : (
          <span className="badge">unverified</span>
        )}
      </td>
      <td>{user.last_login_at ? new Date(user.last_login_at).toLocaleString() : "never"}</td>
      <td>
        <button
          type="button"
          className="ghost"
          disabled={update.isPending}
          onClick={() => update.mutate({ id: user.id, disabled: !user.disabled, reason: null })}
        >
          {user.disabled ? "Enable" : "Disable"}
        </button>
      </td>
    </tr>
  );
}

export function UsersTable() {
  const id = useId();
  const [email, setEmail] = useState("");
  const [offset, setOffset] = useState(0);
  const users = useAdminUsers(email.trim(), offset);
  return (
    <section className="admin-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Users and roles</h2>
      <label htmlFor={`${id}-email`}>
        Find by e-mail
        <input
          id={`${id}-email`}
          type="search"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setOffset(0);
          }}
        />
      </label>
      {users.isPending ? (
        <p className="muted">Loading users…</p>
      ) : users.isError ? (
        <p className="notice error" role="alert">
          {errorMessage(users.error)}
        </p>
      ) : users.data.items.length === 0 ? (
        <p className="muted">No users match.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table className="plain-table" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Plan</th>
                  <th scope="col">State</th>
                  <th scope="col">Last login</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => (
                  <UserRow key={`${user.id}-${user.role}-${user.disabled}`} user={user} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={users.data.page.total} offset={offset} onChange={setOffset} />
        </>
      )}
    </section>
  );
}

export function Pager({ total, offset, onChange }: { total: number; offset: number; onChange: (o: number) => void }) {
  if (total <= PAGE_SIZE) return null;
  return (
    <div className="form-row" style={{ marginTop: "0.5rem" }}>
      <button type="button" className="ghost" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - PAGE_SIZE))}>
        Previous
      </button>
      <span className="muted">
        {offset + 1}–{Math.min(total, offset + PAGE_SIZE)} of {total}
      </span>
      <button
        type="button"
        className="ghost"
        disabled={offset + PAGE_SIZE >= total}
        onClick={() => onChange(offset + PAGE_SIZE)}
      >
        Next
      </button>
    </div>
  );
}
