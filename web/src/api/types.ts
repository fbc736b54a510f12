/** Names for the generated schema's types the pages use. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type EvBet = Schemas["EvBetOut"];
export type Arbitrage = Schemas["ArbitrageOut"];
export type Middle = Schemas["MiddleOut"];
export type Opportunity = EvBet | Arbitrage | Middle;
export type Leg = Schemas["LegOut"];
export type Hidden = Schemas["Hidden"];
export type OpportunityPage = Schemas["OpportunityPage"];
export type DevigMethod = Schemas["DevigMethod"];
export type EventBoard = Schemas["EventBoardOut"];
export type BoardMarket = Schemas["BoardMarketOut"];
export type EventHistory = Schemas["EventHistoryOut"];
export type HistorySeries = Schemas["HistorySeriesOut"];
export type PriceQuery = Schemas["PriceQuery"];
export type PriceResult = Schemas["PriceResult"];
export type Sport = Schemas["SportOut"];
export type Bookmaker = Schemas["BookmakerOut"];

export const DEVIG_METHODS: readonly DevigMethod[] = [
  "multiplicative",
  "additive",
  "power",
  "shin",
  "odds_ratio",
  "probit",
  "worst_case",
];
