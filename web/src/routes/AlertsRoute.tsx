import { AlertsPage } from "../features/alerts/AlertsPage";

export default function AlertsRoute() {
  return <AlertsPage />;
}
