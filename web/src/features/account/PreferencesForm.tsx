/**
 * Bankroll, Kelly multiplier, odds format, theme and the default opportunity filters: saved to the account when
 * logged in (PATCH /api/me/preferences, through the preferences hook), in this browser when anonymous.
 */
import { useId, useState, type FormEvent } from "react";
import { DEVIG_METHODS, type DevigMethod } from "../../api/types";
import { usePreferences, type Preferences } from "../../lib/preferences";

interface Draft {
  bankroll: string;
  kellyPercent: string;
  oddsFormat: Preferences["odds_format"];
  theme: Preferences["theme"];
  sport: string;
  league: string;
  market: string;
  books: string;
  minEvPercent: string;
  maxAgeSeconds: string;
  method: string;
}

function draftOf(p: Preferences): Draft {
  const f = p.default_filters;
  return {
    bankroll: p.bankroll === null || p.bankroll === undefined ? "" : String(p.bankroll),
    kellyPercent: String(Math.round(p.kelly_multiplier * 1000) / 10),
    oddsFormat: p.odds_format,
    theme: p.theme,
    sport: f.sport ?? "",
    league: f.league ?? "",
    market: f.market ?? "",
    books: (f.books ?? []).join(", "),
    minEvPercent: f.min_ev === null || f.min_ev === undefined ? "" : String(Math.round(f.min_ev * 1000) / 10),
    maxAgeSeconds: f.max_age_seconds === null || f.max_age_seconds === undefined ? "" : String(f.max_age_seconds),
    method: f.devig_method ?? "",
  };
}

/** The draft as a preferences change, or the sentence saying which field is wrong. */
export function changeOf(d: Draft): Partial<Preferences> | string {
  const bankroll = d.bankroll.trim() === "" ? null : Number(d.bankroll);
  if (bankroll !== null && !(Number.isFinite(bankroll) && bankroll > 0)) return "Bankroll must be a positive amount.";
  const kelly = Number(d.kellyPercent) / 100;
  if (!(Number.isFinite(kelly) && kelly > 0 && kelly <= 1)) return "Kelly multiplier must be above 0 % and at most 100 % of full Kelly.";
  const minEv = d.minEvPercent.trim() === "" ? null : Number(d.minEvPercent) / 100;
  if (minEv !== null && !Number.isFinite(minEv)) return "Minimum EV must be a number (percent).";
  const maxAge = d.maxAgeSeconds.trim() === "" ? null : Number(d.maxAgeSeconds);
  if (maxAge !== null && !(Number.isFinite(maxAge) && maxAge >= 0)) return "Maximum quote age must be 0 seconds or more.";
  const text = (s: string): string | null => s.trim() || null;
  return {
    bankroll,
    kelly_multiplier: kelly,
    odds_format: d.oddsFormat,
    theme: d.theme,
    default_filters: {
      sport: text(d.sport),
      league: text(d.league),
      market: text(d.market),
      books: d.books
        .split(",")
        .map((b) => b.trim())
        .filter(Boolean),
      min_ev: minEv,
      max_age_seconds: maxAge,
      devig_method: DEVIG_METHODS.includes(d.method as DevigMethod) ? (d.method as DevigMethod) : null,
    },
  };
}

export function PreferencesForm({ signedIn }: { signedIn: boolean }) {
  const id = useId();
  const [preferences, update] = usePreferences();
  const [draft, setDraft] = useState<Draft>(() => draftOf(preferences));
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const field = <K extends keyof Draft>(key: K) => ({
    id: `${id}-${key}`,
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }),
  });

  function submit(event: FormEvent): void {
    event.preventDefault();
    const change = changeOf(draft);
    if (typeof change === "string") {
      setMessage({ error: true, text: change });
      return;
    }
    update(change);
    setMessage({
      error: false,
      text: signedIn ? "Saved to your account." : "Saved in this browser (log in to keep them on your account).",
    });
  }

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Preferences</h2>
      <form className="form-stack" onSubmit={submit}>
        <div className="form-row">
          <label htmlFor={`${id}-bankroll`}>
            Bankroll
            <input {...field("bankroll")} inputMode="decimal" placeholder="not set" size={10} />
          </label>
          <label htmlFor={`${id}-kellyPercent`}>
            Kelly multiplier (% of full Kelly)
            <input {...field("kellyPercent")} inputMode="decimal" size={6} />
          </label>
          <label htmlFor={`${id}-oddsFormat`}>
            Odds format
            <select {...field("oddsFormat")}>
              <option value="american">American</option>
              <option value="decimal">Decimal</option>
            </select>
          </label>
          <label htmlFor={`${id}-theme`}>
            Theme
            <select {...field("theme")}>
              <option value="system">System</option>
              <option value="dark">Dark</option>
              <option value="light">Light</option>
            </select>
          </label>
        </div>
        <fieldset className="form-row" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="muted">Default filters (used when a link carries none)</legend>
          <label htmlFor={`${id}-sport`}>
            Sport
            <input {...field("sport")} size={16} placeholder="any" />
          </label>
          <label htmlFor={`${id}-league`}>
            League
            <input {...field("league")} size={12} placeholder="any" />
          </label>
          <label htmlFor={`${id}-market`}>
            Market
            <input {...field("market")} size={8} placeholder="any" />
          </label>
          <label htmlFor={`${id}-books`}>
            Books (comma separated)
            <input {...field("books")} size={16} placeholder="all" />
          </label>
          <label htmlFor={`${id}-minEvPercent`}>
            Min EV (%)
            <input {...field("minEvPercent")} inputMode="decimal" size={5} placeholder="none" />
          </label>
          <label htmlFor={`${id}-maxAgeSeconds`}>
            Max quote age (s)
            <input {...field("maxAgeSeconds")} inputMode="numeric" size={6} placeholder="any" />
          </label>
          <label htmlFor={`${id}-method`}>
            Devig method
            <select {...field("method")}>
              <option value="">Server default</option>
              {DEVIG_METHODS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        {message && (
          <p className={message.error ? "notice error" : "notice"} role={message.error ? "alert" : "status"}>
            {message.text}
          </p>
        )}
        <div>
          <button type="submit">Save preferences</button>
        </div>
      </form>
    </section>
  );
}
