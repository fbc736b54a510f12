// Placeholder: the admin pages (src/features/admin) replace it.
export default function AdminRoute() {
  return (
    <section className="page">
      <h1>Admin</h1>
      <p className="muted">Users, roles, the audit trail and system status will appear here.</p>
    </section>
  );
}
