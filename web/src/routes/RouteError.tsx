import { isRouteErrorResponse, Link, useRouteError } from "react-router";

export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : "Something went wrong.";
  return (
    <main className="page" role="alert">
      <h1>This page failed to load</h1>
      <p>{message}</p>
      <p>
        <a href={window.location.href}>Reload</a> or go to <Link to="/">the opportunities</Link>.
      </p>
    </main>
  );
}
