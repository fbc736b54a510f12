import { Link } from "react-router";

export default function NotFoundRoute() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives here. Go to <Link to="/">the opportunities</Link>.
      </p>
    </section>
  );
}
