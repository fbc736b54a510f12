/** Reading the odds board: a market's books × outcomes, and each book's hold (Σ 1/d − 1 over the outcomes). */
import type { BoardMarket } from "../../api/types";

export interface BookLine {
  bookmaker: string;
  /** Per outcome (board order): the book's price or null when it does not quote that outcome. */
  prices: ({ decimal: number; american: number | null; isBest: boolean } | null)[];
  /** The book's margin on the market; null unless it quotes every outcome. */
  hold: number | null;
  sharp: boolean;
}

export function hold(decimals: readonly number[]): number {
  return decimals.reduce((sum, d) => sum + 1 / d, 0) - 1;
}

export function bookLines(market: BoardMarket): BookLine[] {
  const books = new Set<string>();
  for (const outcome of market.outcomes) for (const price of outcome.prices) books.add(price.bookmaker);
  const sharp = new Set(market.sharp_books);
  return [...books]
    .map((bookmaker) => {
      const prices = market.outcomes.map((outcome) => {
        const price = outcome.prices.find((p) => p.bookmaker === bookmaker);
        return price ? { decimal: price.price_decimal, american: price.price_american, isBest: price.is_best } : null;
      });
      const complete = prices.every((p) => p !== null);
      return {
        bookmaker,
        prices,
        hold: complete ? hold(prices.map((p) => p!.decimal)) : null,
        sharp: sharp.has(bookmaker),
      };
    })
    .sort((a, b) => Number(b.sharp) - Number(a.sharp) || a.bookmaker.localeCompare(b.bookmaker));
}

/** The hold of the best prices across books (negative: an arbitrage). */
export function bestHold(market: BoardMarket): number | null {
  const best = market.outcomes.map((o) => o.best_price);
  return best.every((b): b is number => b !== null && b > 1) ? hold(best) : null;
}

export function marketLabel(market: BoardMarket): string {
  const point =
    market.point === null ? "" : market.market === "totals" ? ` ${market.point}` : ` ${market.point > 0 ? "+" : ""}${market.point}`;
  const period = market.period !== "full" && market.period !== "full_game" ? ` · ${market.period}` : "";
  const player = market.player ? ` · ${market.player}` : "";
  return `${market.market}${point}${period}${player}`;
}
