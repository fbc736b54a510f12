import { Link } from "react-router";
import type { Opportunity } from "../../api/types";
import { formatAge, formatStart } from "../../lib/format";
import { ageSeconds, type Row } from "./feed";

export function EventTitle({ row, now }: { row: Row<Opportunity>; now: number }) {
  const { event, market, period } = row.item;
  return (
    <>
      <h3>
        <Link to={`/events/${event.id}`}>
          {event.away_team} @ {event.home_team}
        </Link>
      </h3>
      <p className="muted card-meta">
        {event.league_title} · {formatStart(event.commence_time)} · {market}
        {period !== "full_game" ? ` (${period})` : ""} · quoted {formatAge(ageSeconds(row, now))} ago
        {row.status === "ended" && ` · ended${row.endReason ? ` (${row.endReason})` : ""}`}
      </p>
    </>
  );
}
