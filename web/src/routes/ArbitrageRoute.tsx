export default function ArbitrageRoute() {
  return (
    <section className="page">
      <h1>Arbitrage</h1>
      <p className="muted">Coming next.</p>
    </section>
  );
}
