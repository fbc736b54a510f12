/**
 * An alert's saved filter applied in the browser to an opportunity the live stream opened: the same terms as
 * the server's row predicate (kinds, sport group or league, market, any leg at a book, min EV or arbitrage
 * margin). The server still decides what is delivered; this only drives the in-app notification.
 */
import type { Opportunity } from "../../api/types";
import type { Alert, AlertFilters } from "./queries";

export function matchesFilter(filters: AlertFilters, item: Opportunity): boolean {
  if (filters.kind.length && !filters.kind.includes(item.kind)) return false;
  const { sport, league, league_title: title } = item.event;
  if (filters.sport) {
    const wanted = filters.sport.toLowerCase();
    if (sport.toLowerCase() !== wanted && !league.startsWith(`${wanted}_`)) return false;
  }
  if (filters.league && league !== filters.league && title.toLowerCase() !== filters.league.toLowerCase()) {
    return false;
  }
  if (filters.market && item.market !== filters.market) return false;
  if (filters.bookmaker.length && !item.legs.some((leg) => filters.bookmaker.includes(leg.bookmaker))) return false;
  if (item.kind === "arbitrage") {
    if (filters.min_profit_margin !== null && item.profit_margin < filters.min_profit_margin) return false;
  } else if (filters.min_ev !== null && (item.ev === null || item.ev < filters.min_ev)) {
    return false;
  }
  return true;
}

/** The active alerts an opened opportunity matches. */
export function matchingAlerts(alerts: readonly Alert[], item: Opportunity): Alert[] {
  return alerts.filter((alert) => alert.status === "active" && matchesFilter(alert.filters, item));
}
