/** GET /api/admin/status: services, odds freshness and credits, jobs, cache hit ratio (refreshed every 15 s). */
import { useId } from "react";
import { formatAge, formatPercent } from "../../lib/format";
import { errorMessage } from "../account/queries";
import { useAdminStatus, type AdminStatus } from "./queries";

function Badge({ status }: { status: string }) {
  const good = status === "healthy" || status === "ok" || status === "embedded";
  const bad = status === "unhealthy" || status === "failing" || status === "down";
  return <span className={`badge${good ? " ok" : bad ? " bad" : ""}`}>{status}</span>;
}

function statusOf(value: Record<string, unknown>): string {
  return typeof value.status === "string" ? value.status : "unknown";
}

function Feed({ feed }: { feed: Record<string, unknown> }) {
  const credits = (feed.budget ?? feed.quota) as Record<string, unknown> | undefined;
  const remaining = credits && (credits.remaining ?? credits.credits_left ?? credits.requests_remaining);
  return (
    <p>
      Odds feed: <Badge status={statusOf(feed)} />
      {remaining !== undefined && remaining !== null && <> · credits left: {String(remaining)}</>}
      {typeof feed.message === "string" && <span className="muted"> · {feed.message}</span>}
    </p>
  );
}

function StatusBody({ status }: { status: AdminStatus }) {
  return (
    <>
      <p>
        Overall <Badge status={status.status} /> · version {status.version} · as of{" "}
        {new Date(status.timestamp).toLocaleTimeString()}
      </p>
      <div className="account-grid">
        <div className="panel">
          <h3>Services</h3>
          <ul>
            {Object.entries(status.services).map(([name, value]) => (
              <li key={name}>
                {name}: <Badge status={statusOf(value)} />
              </li>
            ))}
          </ul>
        </div>
        <div className="panel">
          <h3>Odds ({status.odds.provider})</h3>
          <Feed feed={status.odds.feed} />
          {status.odds.sports === null ? (
            <p className="notice error">The database did not answer.</p>
          ) : status.odds.sports.length === 0 ? (
            <p className="muted">No sport refreshed yet.</p>
          ) : (
            <table className="plain-table" aria-label="Odds freshness">
              <thead>
                <tr>
                  <th scope="col">Sport</th>
                  <th scope="col">Last refresh</th>
                </tr>
              </thead>
              <tbody>
                {status.odds.sports.map((s) => (
                  <tr key={s.sport}>
                    <td>{s.sport}</td>
                    <td>{formatAge(s.age_seconds)} ago</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="panel">
          <h3>Jobs ({status.tasks.source})</h3>
          {status.tasks.error && <p className="notice error">{status.tasks.error}</p>}
          <table className="plain-table" aria-label="Jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Last success</th>
                <th scope="col">Last failure</th>
              </tr>
            </thead>
            <tbody>
              {status.tasks.jobs.map((job) => (
                <tr key={job.job}>
                  <td>{job.job}</td>
                  <td>
                    <Badge status={job.status} />
                  </td>
                  <td>{job.last_success_seconds_ago === null ? "—" : `${formatAge(job.last_success_seconds_ago)} ago`}</td>
                  <td>
                    {job.last_failure_seconds_ago === null
                      ? "—"
                      : `${formatAge(job.last_failure_seconds_ago)} ago (${job.last_error_type ?? "error"})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="panel">
          <h3>Cache</h3>
          <p>
            Hit ratio {formatPercent(status.cache.hit_ratio)} (target {formatPercent(status.cache.target_hit_ratio)})
          </p>
          {status.cache.views.length > 0 && (
            <table className="plain-table" aria-label="Cache by view">
              <thead>
                <tr>
                  <th scope="col">View</th>
                  <th scope="col">Hits</th>
                  <th scope="col">Misses</th>
                  <th scope="col">Ratio</th>
                </tr>
              </thead>
              <tbody>
                {status.cache.views.map((v) => (
                  <tr key={v.view}>
                    <td>{v.view}</td>
                    <td className="num">{v.hits}</td>
                    <td className="num">{v.misses}</td>
                    <td className="num">{formatPercent(v.hit_ratio)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </>
  );
}

export function SystemStatus() {
  const id = useId();
  const status = useAdminStatus();
  return (
    <section className="admin-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>System status</h2>
      {status.isPending ? (
        <p className="muted">Loading the status…</p>
      ) : status.isError ? (
        <p className="notice error" role="alert">
          {errorMessage(status.error)}
        </p>
      ) : (
        <StatusBody status={status.data} />
      )}
    </section>
  );
}
