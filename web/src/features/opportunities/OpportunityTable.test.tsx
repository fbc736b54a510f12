import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { EvBet } from "../../api/types";
import { evBet } from "../../test/factories";
import type { Context } from "./columns";
import type { Row } from "./feed";
import { OpportunityTable } from "./OpportunityTable";

const context: Context = { now: Date.now(), oddsFormat: "american", bankroll: 1000, kellyMultiplier: 0.5 };

function rows(count: number): Row<EvBet>[] {
  return Array.from({ length: count }, (_, i) => ({
    item: evBet(i + 1),
    status: "live" as const,
    since: 0,
    confirmedLocal: context.now - 5_000,
  }));
}

function renderTable(data: Row<EvBet>[], onSort = vi.fn()) {
  return render(
    <MemoryRouter>
      <OpportunityTable rows={data} context={context} sort={{ column: "ev", direction: "desc" }} onSort={onSort} rowHeight={36} />
    </MemoryRouter>,
  );
}

// jsdom lays nothing out: the scroll box gets the size a browser would give it (600 px tall, 1000 wide).
const sizes = { clientHeight: 600, clientWidth: 1000 } as const;
const originals = new Map<string, PropertyDescriptor | undefined>();

beforeAll(() => {
  for (const [name, value] of Object.entries(sizes)) {
    originals.set(name, Object.getOwnPropertyDescriptor(HTMLElement.prototype, name));
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains("grid-scroll") ? value : 0;
      },
    });
  }
});

afterAll(() => {
  for (const [name, descriptor] of originals) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  }
});

describe("OpportunityTable", () => {
  it("keeps far fewer rows in the DOM than in the data (2,000 rows, virtualised)", () => {
    renderTable(rows(2000));
    const table = screen.getByRole("table", { name: "Positive EV bets" });
    // querySelectorAll rather than *ByRole: role queries over a large tree are slow in jsdom
    const bodyRows = [...table.querySelectorAll('[role="rowgroup"] [role="row"]')];
    expect(table.getAttribute("aria-rowcount")).toBe("2001");
    expect(bodyRows.length).toBeGreaterThan(5);
    expect(bodyRows.length).toBeLessThan(60);
  });

  it("sorts by EV, highest first, and shows stakes for the bankroll", () => {
    const data = [evBet(1, { ev: 0.01 }), evBet(2, { ev: 0.05 }), evBet(3, { ev: 0.03 })].map((item) => ({
      item,
      status: "live" as const,
      since: 0,
      confirmedLocal: context.now,
    }));
    renderTable(data);
    const evs = screen.getAllByRole("cell").filter((c) => c.dataset.column === "ev").map((c) => c.textContent);
    expect(evs).toEqual(["+5.0%", "+3.0%", "+1.0%"]);
    // 1000 bankroll x 0.5 Kelly multiplier x 0.02 full Kelly
    const stakes = screen.getAllByRole("cell").filter((c) => c.dataset.column === "stake");
    expect(stakes[0]?.textContent).toMatch(/^10[.,]00$/);
  });

  it("asks for a sort when a header is clicked", () => {
    const onSort = vi.fn();
    renderTable(rows(3), onSort);
    screen.getByRole("button", { name: "Book" }).click();
    expect(onSort).toHaveBeenCalledWith("book");
    expect(screen.getByRole("columnheader", { name: "EV" }).getAttribute("aria-sort")).toBe("descending");
  });
});
