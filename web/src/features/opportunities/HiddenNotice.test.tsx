import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Hidden } from "../../api/types";
import { HiddenNotice } from "./HiddenNotice";

describe("HiddenNotice", () => {
  it("says what the plan holds back and why", () => {
    const hidden: Hidden = {
      total: 5,
      plan: "free",
      reasons: [
        { reason: "delay", count: 3, message: "Free shows opportunities 10 minutes late" },
        { reason: "cap", count: 2, message: "Free shows 10 at most" },
      ],
    };
    render(<HiddenNotice hidden={hidden} />);
    const notice = screen.getByRole("complementary", { name: "Hidden by your plan" });
    expect(notice.textContent).toContain("5 opportunities are hidden by the free plan.");
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "3 — Free shows opportunities 10 minutes late",
      "2 — Free shows 10 at most",
    ]);
  });

  it("shows nothing when nothing is hidden", () => {
    const { container } = render(<HiddenNotice hidden={{ total: 0, plan: "elite", reasons: [] }} />);
    expect(container.textContent).toBe("");
  });
});
