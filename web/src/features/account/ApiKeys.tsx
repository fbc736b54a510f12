/** API keys: create (the key shown once, with a copy button), list, revoke. */
import { useId, useState, type FormEvent } from "react";
import { errorMessage, useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyCreated } from "./queries";

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}

function NewKey({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("yes");
    } catch {
      setCopied("failed"); // no clipboard permission: the key is selectable
    }
  }
  return (
    <div className="notice" role="status" data-testid="new-key">
      <p style={{ margin: "0 0 0.25rem" }}>
        <strong>Copy the key “{created.name}” now: it is shown only once.</strong>
      </p>
      <p className="secret" data-testid="new-key-value">
        {created.key}
      </p>
      <div className="form-row">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          I have saved it
        </button>
        <span aria-live="polite" className="muted">
          {copied === "yes" ? "Copied." : copied === "failed" ? "Copying failed: select the key and copy it." : ""}
        </span>
      </div>
    </div>
  );
}

export function ApiKeys({ allowed }: { allowed: number }) {
  const id = useId();
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  function submit(event: FormEvent): void {
    event.preventDefault();
    create.mutate(name.trim(), {
      onSuccess: (key) => {
        setCreated(key);
        setName("");
      },
    });
  }

  const live = keys.data?.filter((k) => !k.revoked_at) ?? [];
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>API keys</h2>
      {allowed === 0 ? (
        <p className="notice">Your plan includes no API keys; upgrade to use the API from scripts.</p>
      ) : (
        <form className="form-row" onSubmit={submit}>
          <label htmlFor={`${id}-name`}>
            Key name
            <input
              id={`${id}-name`}
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. my script"
            />
          </label>
          <button type="submit" disabled={create.isPending || live.length >= allowed}>
            {create.isPending ? "Creating…" : "Create key"}
          </button>
        </form>
      )}
      {create.isError && (
        <p className="notice error" role="alert">
          {errorMessage(create.error)}
        </p>
      )}
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      {keys.isPending ? (
        <p className="muted">Loading keys…</p>
      ) : keys.isError ? (
        <p className="notice error" role="alert">
          {errorMessage(keys.error)}
        </p>
      ) : live.length === 0 ? (
        <p className="muted">No API keys yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="plain-table" aria-label="Your API keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {live.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td className="secret">{key.prefix}…</td>
                  <td>{when(key.created_at)}</td>
                  <td>{when(key.last_used_at)}</td>
                  <td>
                    <button
                      type="button"
                      className="ghost"
                      disabled={revoke.isPending}
                      aria-label={`Revoke ${key.name}`}
                      onClick={() => {
                        if (window.confirm(`Revoke the key “${key.name}”? Scripts using it stop at once.`)) {
                          revoke.mutate(key.id);
                        }
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoke.isError && (
        <p className="notice error" role="alert">
          {errorMessage(revoke.error)}
        </p>
      )}
    </section>
  );
}
