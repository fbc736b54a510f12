import { AdminPage } from "../features/admin/AdminPage";

export default function AdminRoute() {
  return <AdminPage />;
}
