// Placeholder: the account pages (src/features/account) replace it.
export default function AccountRoute() {
  return (
    <section className="page">
      <h1>Account</h1>
      <p className="muted">Account, plan, API keys and preferences will appear here.</p>
    </section>
  );
}
