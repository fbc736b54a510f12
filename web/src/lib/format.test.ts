import { describe, expect, it } from "vitest";
import { decimalToAmerican, formatAge, formatOdds, formatPercent, formatPoint, odds } from "./format";

describe("format", () => {
  it("shows odds the way the user reads them", () => {
    expect(formatOdds(odds(2.5, 150), "american")).toBe("+150");
    expect(formatOdds(odds(2.5, 150), "decimal")).toBe("2.50");
    expect(formatOdds(odds(1.909), "american")).toBe("-110");
    expect(formatOdds(odds(1), "american")).toBe("—");
  });

  it("converts decimal odds to American on both sides of evens", () => {
    expect(decimalToAmerican(3)).toBe(200);
    expect(decimalToAmerican(1.5)).toBeCloseTo(-200);
  });

  it("shows rates as percentages with one decimal", () => {
    expect(formatPercent(0.023)).toBe("2.3%");
    expect(formatPercent(0.023, true)).toBe("+2.3%");
    expect(formatPercent(-0.041, true)).toBe("-4.1%");
    expect(formatPercent(null)).toBe("—");
  });

  it("shows ages compactly", () => {
    expect(formatAge(8.9)).toBe("8s");
    expect(formatAge(185)).toBe("3m 05s");
    expect(formatAge(7440)).toBe("2h 04m");
  });

  it("signs spreads, not totals", () => {
    expect(formatPoint(3.5)).toBe("+3.5");
    expect(formatPoint(-3.5, "spreads")).toBe("-3.5");
    expect(formatPoint(220.5, "totals")).toBe("220.5");
    expect(formatPoint(null)).toBe("");
  });
});
