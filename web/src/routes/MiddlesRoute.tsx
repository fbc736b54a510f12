import { isMiddle, MiddleCard } from "../features/middles/MiddleCard";
import { OpportunityListPage } from "../features/opportunities/OpportunityListPage";
import type { Middle } from "../api/types";

const byEv = (m: Middle): number => m.ev ?? -Infinity;

export default function MiddlesRoute() {
  return (
    <OpportunityListPage<Middle>
      kind="middle"
      title="Middles"
      noun={["middle", "middles"]}
      minLabel="Min EV %"
      intro="Two sides of a line at different numbers: a result inside the window wins both, outside it one leg pays for the other."
      isKind={isMiddle}
      sortKey={byEv}
      Card={MiddleCard}
    />
  );
}
