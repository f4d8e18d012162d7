/**
 * The error a problem answer of the service becomes (api-client.ts): a module of its own, so that
 * what only checks for it (dispatch.ts, and through it the bundled `berth createrepo`) does not
 * load the HTTP client and node:http/node:https with it.
 */
import { CliError } from './command.js';

export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: unknown,
    /** The answer's Retry-After, in seconds, when it had one (503 `busy`, 429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${detail} (HTTP ${status}, ${code})`, 1);
  }
}
