/**
 * One click on a +EV row records the bet: from the opportunity (the server copies event, market, outcome,
 * point, book, price and the EV at placement) with the user's Kelly stake. Anonymous users are sent to log in.
 */
import { Link, useLocation } from "react-router";
import type { EvBet } from "../../api/types";
import { formatMoney } from "../../lib/format";
import { useSessionState } from "../../lib/useSession";
import { errorMessage } from "./messages";
import { useRecordBet } from "./queries";

interface Props {
  bet: EvBet;
  stake: number;
  /** The opportunity has left the board (fading out): nothing left to record. */
  ended?: boolean;
}

export function RecordBetButton(props: Props) {
  const session = useSessionState();
  const location = useLocation();
  if (session.status !== "authenticated") {
    return (
      <Link
        className="record-bet"
        to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}
        title="Log in to track your bets"
      >
        Log in
      </Link>
    );
  }
  return <RecordButton {...props} />;
}

function RecordButton({ bet, stake, ended = false }: Props) {
  const record = useRecordBet();
  const label = `${bet.event.away_team} @ ${bet.event.home_team}`;
  const text = record.isSuccess ? "Recorded" : record.isPending ? "…" : "Record";
  return (
    <button
      type="button"
      className="record-bet"
      disabled={ended || record.isPending || record.isSuccess}
      aria-label={`Record bet: ${label}, stake ${formatMoney(stake)}`}
      title={record.isError ? errorMessage(record.error) : `Record this bet with a stake of ${formatMoney(stake)}`}
      data-state={record.isError ? "error" : record.isSuccess ? "done" : "idle"}
      onClick={() => record.mutate({ from_opportunity: bet.id, stake })}
    >
      {record.isError ? "Retry" : text}
    </button>
  );
}
