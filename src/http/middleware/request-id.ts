/**
 * Gives every request an id for logs and problem bodies. An incoming `X-Request-Id` (from a proxy
 * or the caller) is kept when it is short and plain, so one id follows a request across hops;
 * anything else is replaced, which keeps log lines and headers free of injected content.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming !== undefined && ACCEPTABLE.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    // Set before next() for responses built through the context, and after it for those built
    // directly (problem responses from onError/notFound), whose headers hono does not merge.
    c.header('X-Request-Id', id);
    await next();
    if (!c.res.headers.has('x-request-id')) {
      try {
        c.res.headers.set('X-Request-Id', id);
      } catch {
        // Immutable headers (a fetched Response): copy it.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set('X-Request-Id', id);
      }
    }
  };
}
