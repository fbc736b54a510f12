/** A failure as a sentence a person can act on: the API's own message, else a connection hint. */
import { ApiError } from "../../lib/api";

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "The server cannot be reached; check the connection and try again.";
}
