import { VerifyEmailPage } from "../features/account/TokenPages";

export default function VerifyEmailRoute() {
  return <VerifyEmailPage />;
}
