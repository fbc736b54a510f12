/** The alert form's fields as strings (what inputs hold) and their translation to and from the API's filter. */
import type { Alert, AlertCreate, Channel } from "./queries";

export const KINDS = ["ev", "arbitrage", "middle"] as const;
export type AlertKind = (typeof KINDS)[number];

export interface AlertDraft {
  name: string;
  channel: Channel;
  webhookUrl: string;
  kinds: AlertKind[];
  sport: string;
  league: string;
  market: string;
  /** Comma separated book keys. */
  books: string;
  /** Percent, as typed ("2.5" = 2.5 %). */
  minEvPercent: string;
  minMarginPercent: string;
}

export const EMPTY_DRAFT: AlertDraft = {
  name: "",
  channel: "generic",
  webhookUrl: "",
  kinds: ["ev"],
  sport: "",
  league: "",
  market: "",
  books: "",
  minEvPercent: "",
  minMarginPercent: "",
};

function percentText(fraction: number | null): string {
  return fraction === null ? "" : String(Math.round(fraction * 10_000) / 100);
}

/** An existing alert as a draft (its webhook URL is not sent back: left empty, it stays as it is). */
export function draftOf(alert: Alert): AlertDraft {
  const f = alert.filters;
  return {
    name: alert.name,
    channel: alert.channel,
    webhookUrl: "",
    kinds: f.kind,
    sport: f.sport ?? "",
    league: f.league ?? "",
    market: f.market ?? "",
    books: f.bookmaker.join(", "),
    minEvPercent: percentText(f.min_ev),
    minMarginPercent: percentText(f.min_profit_margin),
  };
}

export class DraftError extends Error {}

function fraction(text: string, label: string): number | null {
  if (text.trim() === "") return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value < -100 || value > 10_000) throw new DraftError(`${label} must be a percentage`);
  return value / 100;
}

/** The request body; throws DraftError naming the field a person must fix. */
export function bodyOf(draft: AlertDraft, creating: boolean): AlertCreate {
  const name = draft.name.trim();
  if (!name) throw new DraftError("Give the alert a name");
  const url = draft.webhookUrl.trim();
  if (creating && !url) throw new DraftError("A webhook URL is needed");
  if (url && !/^https?:\/\/\S+$/i.test(url)) throw new DraftError("The webhook URL must start with https:// (or http://)");
  const books = draft.books
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  const body: AlertCreate = {
    name,
    channel: draft.channel,
    webhook_url: url,
    filters: {
      kind: draft.kinds,
      sport: draft.sport.trim() || null,
      league: draft.league.trim() || null,
      market: draft.market.trim() || null,
      bookmaker: books,
      min_ev: fraction(draft.minEvPercent, "Min EV"),
      min_profit_margin: fraction(draft.minMarginPercent, "Min arbitrage margin"),
    },
  };
  return body;
}
