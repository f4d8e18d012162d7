/**
 * Gives every request an id for logs and problem bodies. An incoming `X-Request-Id` (from a proxy
 * or the caller) is kept when it is short and plain, so one id follows a request across hops;
 * anything else is replaced, which keeps log lines and headers free of injected content.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

/*
 * Generated ids: a random prefix per process (16 hex digits, so ids of sibling processes and of
 * restarts never collide) and a counter. Ids name requests, they guard nothing, so they need not
 * be unpredictable — a UUID per request cost a CSPRNG read on the hot path.
 */
// Made on first use, not at module load: a Worker may not generate random values in global scope.
let prefix: string | undefined;
function processPrefix(): string {
  if (prefix === undefined) {
    const b = crypto.getRandomValues(new Uint8Array(8));
    let s = '';
    for (const x of b) s += x.toString(16).padStart(2, '0');
    prefix = `${s}-`;
  }
  return prefix;
}
let counter = 0;

/** A new request id, unique across processes: `<16 hex digits>-<counter in base 36>`. */
export function newRequestId(): string {
  counter = counter === Number.MAX_SAFE_INTEGER ? 0 : counter + 1;
  return processPrefix() + counter.toString(36);
}

/** The id for a request carrying `incoming` as its X-Request-Id header. */
export function requestIdFrom(incoming: string | undefined | null): string {
  return incoming != null && ACCEPTABLE.test(incoming) ? incoming : newRequestId();
}

/** Sets X-Request-Id on a response that lacks it (copying one whose headers are immutable). */
export function withRequestId(res: Response, id: string): Response {
  if (res.headers.has('x-request-id')) return res;
  try {
    res.headers.set('X-Request-Id', id);
    return res;
  } catch {
    // Immutable headers (a fetched Response): copy it.
    const copy = new Response(res.body, res);
    copy.headers.set('X-Request-Id', id);
    return copy;
  }
}

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    // Only after next(): a `c.header` before it would give every context-built response a
    // Headers object. Routes that build their own header record put the id in it (dnf paths).
    await next();
    const res = withRequestId(c.res, id);
    if (res !== c.res) c.res = res;
  };
}
