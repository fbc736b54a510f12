import type { Transport } from "./useOpportunityFeed";

const TEXT: Record<Transport, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  polling: "Updating every few seconds",
};

export function TransportStatus({ transport }: { transport: Transport }) {
  const tone = transport === "live" ? "" : transport === "polling" ? " polling" : " offline";
  return (
    <span role="status" aria-live="polite">
      <span className={`live-dot${tone}`} aria-hidden="true" />
      {TEXT[transport]}
    </span>
  );
}
