import { fireEvent, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { resetPreferencesForTests } from "../../lib/preferences";
import { renderWithClient } from "../account/testing";
import { StakeSettings } from "./StakeSettings";

const KEY = "fairedge.preferences";

describe("StakeSettings (anonymous: this browser's preferences)", () => {
  beforeEach(() => resetPreferencesForTests());

  it("shows and saves the Kelly multiplier", () => {
    renderWithClient(<StakeSettings />);
    const select = screen.getByLabelText<HTMLSelectElement>("Kelly multiplier");
    expect(select.value).toBe("0.25");
    fireEvent.change(select, { target: { value: "0.5" } });
    expect(JSON.parse(localStorage.getItem(KEY) ?? "{}")).toMatchObject({ kelly_multiplier: 0.5 });
    expect(localStorage.getItem(KEY)).not.toContain("kelly_fraction");
  });

  it("keeps a multiplier this browser saved under its old name, kelly_fraction", () => {
    localStorage.setItem(KEY, JSON.stringify({ kelly_fraction: 0.1, theme: "dark" }));
    renderWithClient(<StakeSettings />);
    expect(screen.getByLabelText<HTMLSelectElement>("Kelly multiplier").value).toBe("0.1");
  });
});
