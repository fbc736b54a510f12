/** The current plan, what it allows and hides, the requests left, and whether billing is on. */
import { Link } from "react-router";
import { formatAge } from "../../lib/format";
import { errorMessage, useSubscription, type Me, type Plan } from "./queries";

const KIND_NAMES: Record<string, string> = { ev: "+EV", arbitrage: "arbitrage", middle: "middles" };

function dateText(iso: string | null | undefined): string {
  if (!iso) return "no end date";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}

/** What the plan withholds, in words: the free tier must explain its limits, not show less silently. */
export function planLimits(plan: Plan): string[] {
  const limits: string[] = [];
  if (plan.delay_seconds > 0) {
    limits.push(`Opportunities appear ${formatAge(plan.delay_seconds)} after they are found (delayed).`);
  }
  if (plan.max_results !== null && plan.max_results !== undefined) {
    limits.push(`At most ${plan.max_results} results per list (capped).`);
  }
  if (plan.markets) limits.push(`Markets: ${plan.markets.join(", ")} only.`);
  if (plan.sports) limits.push(`Sports: ${plan.sports.join(", ")} only.`);
  const missing = Object.keys(KIND_NAMES).filter((k) => !plan.kinds.includes(k));
  if (missing.length) limits.push(`Not included: ${missing.map((k) => KIND_NAMES[k]).join(", ")}.`);
  if (plan.api_keys === 0) limits.push("No API keys: the data is for the browser only.");
  return limits;
}

function Billing() {
  const subscription = useSubscription();
  if (subscription.isPending) return <p className="muted">Checking billing…</p>;
  if (subscription.isError) return <p className="notice error">Billing state unavailable: {errorMessage(subscription.error)}</p>;
  const data = subscription.data;
  if (data === null || !data.billing_enabled) {
    return (
      <p className="notice" data-testid="billing-off">
        Billing is off on this server: plans are granted by an administrator.
      </p>
    );
  }
  return (
    <dl className="facts" data-testid="billing-on">
      <dt>Subscription</dt>
      <dd>{data.plan ? `${data.plan} (${data.status ?? "unknown"})` : "none"}</dd>
      {data.current_period_end && (
        <>
          <dt>{data.cancel_at_period_end ? "Ends" : "Renews"}</dt>
          <dd>{dateText(data.current_period_end)}</dd>
        </>
      )}
      {data.grace_ends_at && (
        <>
          <dt>Payment failed</dt>
          <dd>access kept until {dateText(data.grace_ends_at)}</dd>
        </>
      )}
      {data.plans_for_sale.length > 0 && (
        <>
          <dt>Available</dt>
          <dd>{data.plans_for_sale.join(", ")}</dd>
        </>
      )}
      <dt />
      <dd>
        <Link to="/plan">Upgrade or manage your plan</Link>
      </dd>
    </dl>
  );
}

export function PlanPanel({ me }: { me: Me }) {
  const { plan, grant, requests, api_keys: keys } = me;
  const limits = planLimits(plan);
  return (
    <section className="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">
        Plan: <span data-testid="plan-name">{plan.title}</span>
      </h2>
      <dl className="facts">
        <dt>Includes</dt>
        <dd>{plan.kinds.map((k) => KIND_NAMES[k] ?? k).join(", ")}</dd>
        <dt>Delay</dt>
        <dd>{plan.delay_seconds > 0 ? formatAge(plan.delay_seconds) : "none (live)"}</dd>
        <dt>Results</dt>
        <dd>{plan.max_results ?? "all"}</dd>
        <dt>Rate limit</dt>
        <dd>{plan.rate_limit ?? "none"}</dd>
        {requests && requests.known && (
          <>
            <dt>Requests left</dt>
            <dd>
              <span className="num">{requests.remaining}</span> of {requests.limit} (full again in{" "}
              {formatAge(requests.reset_seconds)})
            </dd>
          </>
        )}
        <dt>API keys</dt>
        <dd>
          {keys.live} of {keys.allowed} in use
        </dd>
        {grant && (
          <>
            <dt>Granted</dt>
            <dd>
              {grant.plan} until {dateText(grant.expires_at)}
              {grant.reason ? ` (${grant.reason})` : ""}
            </dd>
          </>
        )}
      </dl>
      {limits.length > 0 && (
        <div className="notice" aria-label="What your plan limits" data-testid="plan-limits">
          <strong>What the {plan.title} plan hides, and why</strong>
          <ul>
            {limits.map((text) => (
              <li key={text}>{text}</li>
            ))}
          </ul>
        </div>
      )}
      <Billing />
    </section>
  );
}
