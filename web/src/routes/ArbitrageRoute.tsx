import { ArbitrageCard, isArbitrage } from "../features/arbitrage/ArbitrageCard";
import { OpportunityListPage } from "../features/opportunities/OpportunityListPage";
import type { Arbitrage } from "../api/types";

const byMargin = (a: Arbitrage): number => a.profit_margin;

export default function ArbitrageRoute() {
  return (
    <OpportunityListPage<Arbitrage>
      kind="arbitrage"
      title="Arbitrage"
      noun={["arbitrage", "arbitrages"]}
      minLabel="Min profit %"
      intro="Bets on every outcome at different books that return the same whatever happens. Stakes are split for the total below."
      isKind={isArbitrage}
      sortKey={byMargin}
      Card={ArbitrageCard}
    />
  );
}
