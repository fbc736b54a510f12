export default function MiddlesRoute() {
  return (
    <section className="page">
      <h1>Middles</h1>
      <p className="muted">Coming next.</p>
    </section>
  );
}
