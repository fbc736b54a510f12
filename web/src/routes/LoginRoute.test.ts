import { describe, expect, it } from "vitest";
import { safeNext } from "./LoginRoute";

describe("the login page's way back", () => {
  it("returns to the page the session ended on", () => {
    expect(safeNext("/events/12?market=3")).toBe("/events/12?market=3");
  });

  it("never leaves the site nor loops back to the login page", () => {
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext("/login?next=/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
