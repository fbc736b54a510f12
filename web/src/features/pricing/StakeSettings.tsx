/** Bankroll and Kelly multiplier: every stake shown is bankroll × this multiplier × the bet's full Kelly share. */
import { useEffect, useId, useState } from "react";
import { usePreferences } from "../../lib/preferences";

const MULTIPLIERS = [0.1, 0.25, 0.5, 1];

export function StakeSettings() {
  const id = useId();
  const [preferences, setPreferences] = usePreferences();
  const [bankroll, setBankroll] = useState(preferences.bankroll === null ? "" : String(preferences.bankroll));

  useEffect(() => {
    setBankroll((typed) =>
      Number(typed) === preferences.bankroll ? typed : preferences.bankroll === null ? "" : String(preferences.bankroll),
    );
  }, [preferences.bankroll]);

  return (
    <fieldset className="panel stake-settings">
      <legend>Your stakes</legend>
      <label htmlFor={`${id}-bankroll`}>
        Bankroll
        <input
          id={`${id}-bankroll`}
          type="number"
          inputMode="decimal"
          min={0}
          step={10}
          placeholder="not set"
          value={bankroll}
          onChange={(e) => {
            setBankroll(e.target.value);
            const value = Number(e.target.value);
            if (e.target.value === "") setPreferences({ bankroll: null });
            else if (Number.isFinite(value) && value > 0 && value <= 1e12) setPreferences({ bankroll: value });
          }}
        />
      </label>
      <label htmlFor={`${id}-kelly`}>
        Kelly multiplier
        <select
          id={`${id}-kelly`}
          value={String(preferences.kelly_multiplier)}
          onChange={(e) => setPreferences({ kelly_multiplier: Number(e.target.value) })}
        >
          {MULTIPLIERS.map((f) => (
            <option key={f} value={String(f)}>
              {f === 1 ? "Full Kelly" : `${f * 100}% Kelly`}
            </option>
          ))}
          {!MULTIPLIERS.includes(preferences.kelly_multiplier) && (
            <option value={String(preferences.kelly_multiplier)}>
              {(preferences.kelly_multiplier * 100).toFixed(0)}% Kelly
            </option>
          )}
        </select>
      </label>
    </fieldset>
  );
}
