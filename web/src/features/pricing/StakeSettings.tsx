/** Bankroll and Kelly fraction: every stake shown is bankroll × this fraction × the bet's full Kelly share. */
import { useId } from "react";
import { usePreferences } from "../../lib/preferences";

export function StakeSettings() {
  const id = useId();
  const [preferences, setPreferences] = usePreferences();
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
          value={preferences.bankroll}
          onChange={(e) => {
            const value = Number(e.target.value);
            if (e.target.value !== "" && Number.isFinite(value) && value >= 0) setPreferences({ bankroll: value });
          }}
        />
      </label>
      <label htmlFor={`${id}-kelly`}>
        Kelly fraction
        <select
          id={`${id}-kelly`}
          value={String(preferences.kellyFraction)}
          onChange={(e) => setPreferences({ kellyFraction: Number(e.target.value) })}
        >
          {[0.1, 0.25, 0.5, 1].map((f) => (
            <option key={f} value={String(f)}>
              {f === 1 ? "Full Kelly" : `${f * 100}% Kelly`}
            </option>
          ))}
          {![0.1, 0.25, 0.5, 1].includes(preferences.kellyFraction) && (
            <option value={String(preferences.kellyFraction)}>{(preferences.kellyFraction * 100).toFixed(0)}% Kelly</option>
          )}
        </select>
      </label>
    </fieldset>
  );
}
