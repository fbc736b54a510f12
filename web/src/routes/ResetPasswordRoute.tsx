import { ResetPasswordPage } from "../features/account/TokenPages";

export default function ResetPasswordRoute() {
  return <ResetPasswordPage />;
}
