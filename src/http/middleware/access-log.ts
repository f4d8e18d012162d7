/**
 * One JSON line per request. Deliberately logs only method, path (no query string), status,
 * timing and who (principal kind and public token id) — never headers, so Authorization and
 * tokens cannot leak into logs.
 */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal.js';
import type { AccessLine, Logger } from '../../core/logger.js';
import type { AppEnv } from '../env.js';

export interface AccessEntry {
  requestId: string | undefined;
  method: string;
  path: string;
  status: number;
  /** `performance.now()` when the request arrived. */
  started: number;
  /** Undefined when authentication itself failed. */
  principal: Principal | undefined;
}

/**
 * The path as logged: a whole API token someone put in a URL by mistake (`DELETE
 * /api/v1/tokens/berth_…`) keeps only its public id.
 */
export function loggablePath(path: string): string {
  return path.includes('berth_') ? path.replace(/berth_([a-z2-7]{12})_[^/?#]*/g, 'berth_$1_[redacted]') : path;
}

export function logAccess(logger: Logger, e: AccessEntry): void {
  const p = e.principal;
  const fields: AccessLine = {
    requestId: e.requestId,
    method: e.method,
    path: loggablePath(e.path),
    status: e.status,
    ms: Math.round((performance.now() - e.started) * 10) / 10,
    principal: p === undefined ? 'unauthenticated' : p.kind === 'token' ? `token:${p.id}` : p.kind,
  };
  const level = e.status >= 500 ? 'error' : 'info';
  if (logger.access !== undefined) logger.access(level, fields);
  else logger[level]('request', { ...fields });
}

export function accessLog(logger: Logger) {
  return async (c: Context<AppEnv>, next: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    try {
      await next();
    } finally {
      logAccess(logger, {
        requestId: c.get('requestId') as string | undefined,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        started,
        principal: c.get('principal') as Principal | undefined,
      });
    }
  };
}
