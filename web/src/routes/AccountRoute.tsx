import { AccountPage } from "../features/account/AccountPage";

export default function AccountRoute() {
  return <AccountPage />;
}
