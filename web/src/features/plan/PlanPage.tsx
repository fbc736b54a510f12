/**
 * The plan page: the current plan and subscription, upgrades through Stripe Checkout (POST
 * /api/billing/checkout, then the browser goes to the returned URL), the customer portal to manage it, and
 * "billing is off" when the server has no Stripe key.
 */
import { Link } from "react-router";
import { useMe, useSessionState } from "../../lib/useSession";
import { errorMessage } from "../bets/messages";
import "../bets/tracker.css";
import { useCheckout, usePortal, useSubscription, type Subscription } from "./queries";

const PLAN_NAMES: Record<string, string> = { free: "Free", pro: "Pro", elite: "Elite" };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

function day(iso: string | null): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateFormat.format(date);
}

function statusText(subscription: Subscription): string {
  if (!subscription.plan) return "No subscription";
  const name = PLAN_NAMES[subscription.plan] ?? subscription.plan;
  return `${name} — ${subscription.status ?? "unknown"}`;
}

export function BillingSection({ subscription }: { subscription: Subscription }) {
  const checkout = useCheckout();
  const portal = usePortal();
  const failure = checkout.error ?? portal.error;
  const busy = checkout.isPending || portal.isPending || checkout.isSuccess || portal.isSuccess;
  const offers = subscription.plans_for_sale.filter(
    (plan): plan is "pro" | "elite" => (plan === "pro" || plan === "elite") && plan !== subscription.plan,
  );
  const subscribed = subscription.plan !== null && subscription.grants_plan;
  return (
    <section className="panel tracker-section" aria-labelledby="subscription-title" data-testid="billing-on">
      <h2 id="subscription-title">Subscription</h2>
      <dl className="kpis">
        <div>
          <dt>Status</dt>
          <dd data-testid="subscription-status">{statusText(subscription)}</dd>
        </div>
        {subscription.current_period_end && (
          <div>
            <dt>{subscription.cancel_at_period_end ? "Ends" : "Renews"}</dt>
            <dd>{day(subscription.current_period_end)}</dd>
          </div>
        )}
        {subscription.grace_ends_at && (
          <div>
            <dt>Payment failed; access kept until</dt>
            <dd className="negative">{day(subscription.grace_ends_at)}</dd>
          </div>
        )}
      </dl>
      {subscription.grace_ends_at && (
        <p className="notice error">Update your payment method in the portal to keep your plan.</p>
      )}
      <div className="plan-offers">
        {!subscribed &&
          offers.map((plan) => (
            <button key={plan} type="button" disabled={busy} onClick={() => checkout.mutate(plan)}>
              Upgrade to {PLAN_NAMES[plan]}
            </button>
          ))}
        {subscription.can_manage && (
          <button type="button" className="ghost" disabled={busy} onClick={() => portal.mutate()}>
            Manage subscription
          </button>
        )}
      </div>
      {subscribed && offers.length > 0 && (
        <p className="muted">Change plan or cancel in the customer portal.</p>
      )}
      {!subscribed && offers.length === 0 && <p className="muted">No plan is on sale here at the moment.</p>}
      {busy && !failure && (
        <p className="muted" role="status">
          Opening Stripe…
        </p>
      )}
      {failure && (
        <p className="notice error" role="alert">
          {errorMessage(failure)}
        </p>
      )}
    </section>
  );
}

export function PlanPage() {
  const session = useSessionState();
  const me = useMe();
  const subscription = useSubscription();

  if (session.status === "anonymous") {
    return (
      <section className="page">
        <h1>Plan</h1>
        <p className="notice">
          <Link to="/login?next=/plan">Log in</Link> to see your plan and upgrade.
        </p>
      </section>
    );
  }

  const plan = me.data?.plan;
  return (
    <section className="page" aria-labelledby="plan-page-title">
      <h1 id="plan-page-title">Plan</h1>
      {plan && (
        <p>
          You are on the <strong data-testid="current-plan">{plan.title}</strong> plan.{" "}
          <Link to="/account">What it includes</Link>
        </p>
      )}
      {subscription.isPending ? (
        <p className="state" aria-busy="true">
          Checking billing…
        </p>
      ) : subscription.isError ? (
        <p className="notice error" role="alert">
          Billing state unavailable: {errorMessage(subscription.error)}
        </p>
      ) : subscription.data === null || !subscription.data.billing_enabled ? (
        <p className="notice" data-testid="billing-off">
          Billing is off on this server: plans are granted by an administrator.
        </p>
      ) : (
        <BillingSection subscription={subscription.data} />
      )}
    </section>
  );
}
