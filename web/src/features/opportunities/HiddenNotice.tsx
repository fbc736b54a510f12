/** What the caller's plan withheld and why (delayed, capped, outside the plan): never a silent empty list. */
import type { Hidden } from "../../api/types";

export function HiddenNotice({ hidden }: { hidden: Hidden | null }) {
  if (hidden === null || hidden.total === 0) return null;
  return (
    <aside className="notice" aria-label="Hidden by your plan">
      <strong>
        {hidden.total} {hidden.total === 1 ? "opportunity is" : "opportunities are"} hidden by the {hidden.plan} plan.
      </strong>
      <ul>
        {hidden.reasons.map((r) => (
          <li key={r.reason}>
            <span className="num">{r.count}</span> — {r.message}
          </li>
        ))}
      </ul>
    </aside>
  );
}
