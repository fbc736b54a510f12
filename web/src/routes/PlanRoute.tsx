import { PlanPage } from "../features/plan/PlanPage";

export default function PlanRoute() {
  return <PlanPage />;
}
