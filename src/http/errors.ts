/**
 * The one place errors become HTTP answers. ProblemErrors carry their own form; the domain's
 * Refusals map by kind; known BerthError codes map to a status here; anything else is a 500
 * `internal` whose body says nothing about the cause (the log line, under the same request id,
 * has it).
 */
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { isRefusal, notFound as notFoundRefusal, type RefusalKind } from '../repo/errors.js';
import { loggablePath } from './middleware/access-log.js';
import { ProblemError, problemResponse } from './problem.js';

/**
 * The 404 for a tenant, repo (or token) that does not exist — and, with identical text, for one
 * the caller may not know exists (another tenant's private resource), so the two cannot be told
 * apart.
 */
export function notFound(tenant: string, repo?: string): ProblemError {
  return fromRefusal(notFoundRefusal(tenant, repo));
}

const STATUS_OF_KIND: Record<RefusalKind, ProblemError['status']> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  quota: 507,
  busy: 503,
};

/**
 * How long a client should wait after a 503 `busy` or 429 that names no time itself: the
 * contended write (index compare-and-swap) had already retried with back-off for seconds, and
 * clients add their own jitter on top (`berth push` waits between this and twice this).
 */
export const BUSY_RETRY_AFTER_SECONDS = 2;

const retryAfter = (seconds: number): Record<string, string> => ({ 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

function fromRefusal(r: { kind: RefusalKind; code: string; message: string; details: Record<string, unknown>; retryAfterSeconds?: number | undefined }): ProblemError {
  const wait = r.retryAfterSeconds ?? (r.kind === 'busy' || r.kind === 'rate_limited' ? BUSY_RETRY_AFTER_SECONDS : undefined);
  return new ProblemError(STATUS_OF_KIND[r.kind], r.code, r.message, r.details, wait === undefined ? {} : retryAfter(wait));
}

/** Status, problem code and, for contention, the Retry-After seconds. */
type Mapped = [ProblemError['status'], string, number?];

/** BerthError codes (storage, pgp, names) that are the caller's doing or a known condition. */
const BY_CODE: Record<string, Mapped> = {
  invalid_name: [400, 'invalid_name'],
  invalid_key: [400, 'invalid_name'], // a storage key built from a request value
  blob_not_found: [404, 'not_found'],
  precondition_failed: [409, 'conflict'],
  index_contention: [503, 'busy', BUSY_RETRY_AFTER_SECONDS],
  audit_contention: [503, 'busy', BUSY_RETRY_AFTER_SECONDS],
  range_not_satisfiable: [416, 'range_not_satisfiable'],
  storage_failure: [503, 'storage_unavailable'],
  'pgp.bad-key': [422, 'invalid_key'],
};

/** Messages of these are safe and useful to show; the others get a generic detail. */
const SHOW_DETAIL = new Set(['invalid_name', 'invalid_key', 'pgp.bad-key']);

function berthCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { isBerthError?: unknown; code?: unknown };
  return e.isBerthError === true && typeof e.code === 'string' ? e.code : null;
}

function isProblem(err: unknown): err is ProblemError {
  return typeof err === 'object' && err !== null && (err as { isProblemError?: unknown }).isProblemError === true;
}

export function toProblem(err: unknown): ProblemError | null {
  if (isProblem(err)) return err;
  if (isRefusal(err)) return fromRefusal(err);
  const code = berthCode(err);
  if (code !== null) {
    const mapped = BY_CODE[code];
    if (!mapped) return null;
    const [status, problemCode, wait] = mapped;
    if (wait !== undefined) return new ProblemError(status, problemCode, `too many concurrent changes: try again in ${wait} s`, {}, retryAfter(wait));
    const detail = SHOW_DETAIL.has(code) ? (err as Error).message : problemCode.replace(/_/g, ' ');
    return new ProblemError(status, problemCode, detail);
  }
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    return new ProblemError(err.status as ProblemError['status'], 'invalid_request', err.message || 'invalid request');
  }
  return null;
}

export interface RequestInfo {
  requestId: string | undefined;
  method: string;
  path: string;
}

/** The answer for an error thrown while handling a request (hono's onError and the dnf pre-router). */
export function errorResponse(deps: Pick<AppDeps, 'logger'>, err: unknown, req: RequestInfo): Response {
  const { requestId } = req;
  const problem = toProblem(err);
  if (problem) {
    if (problem.status >= 500) deps.logger.warn('request failed', { requestId, code: problem.code, error: (err as Error).message });
    return problemResponse(problem, requestId);
  }
  deps.logger.error('unhandled error', {
    requestId,
    method: req.method,
    path: loggablePath(req.path),
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return problemResponse(new ProblemError(500, 'internal', 'internal error'), requestId);
}

export function onError(deps: Pick<AppDeps, 'logger'>): ErrorHandler<AppEnv> {
  return (err: Error, c: Context<AppEnv>) =>
    errorResponse(deps, err, { requestId: c.get('requestId') as string | undefined, method: c.req.method, path: c.req.path });
}
