/** Sends the browser to Stripe's hosted page (a full navigation, not a route). */
export function redirectTo(url: string): void {
  window.location.assign(url);
}
