export default function EventRoute() {
  return (
    <section className="page">
      <h1>Event</h1>
      <p className="muted">Coming next.</p>
    </section>
  );
}
