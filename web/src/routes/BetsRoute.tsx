import { BetsPage } from "../features/bets/BetsPage";

export default function BetsRoute() {
  return <BetsPage />;
}
