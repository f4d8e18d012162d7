/**
 * A Hono app for request-level tests without a server: request id → auth → the given routes,
 * with the shared error handler, on a MemoryBlobStore. Log lines are kept for assertions.
 */
import { Hono } from 'hono';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { operatorTokenHash } from '../../src/auth/operator.js';
import type { AppDeps } from '../../src/http/deps.js';
import type { Logger } from '../../src/core/logger.js';
import type { AppEnv } from '../../src/http/env.js';
import { onError } from '../../src/http/errors.js';
import { authMiddleware } from '../../src/http/middleware/auth.js';
import { requestId } from '../../src/http/middleware/request-id.js';
import { adminRoutes } from '../../src/http/routes/admin.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';

export const OPERATOR_TOKEN = 'operator-secret-for-tests-0123456789';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

export interface TestService {
  app: Hono<AppEnv>;
  deps: AppDeps;
  store: BlobStore;
  logs: LogLine[];
  /** The service clock is real time plus `offsetMs` (move it to test expiry). */
  now: { offsetMs: number };
}

export async function testService(options: {
  store?: BlobStore;
  routes?: (deps: AppDeps) => Hono<AppEnv>;
  extra?: (app: Hono<AppEnv>) => void;
} = {}): Promise<TestService> {
  const logs: LogLine[] = [];
  const logger: Logger = {
    info: (msg, fields) => logs.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => logs.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => logs.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
  };
  // Real time: OpenPGP keys made by the tests carry the real creation time.
  const now = { offsetMs: 0 };
  const store = options.store ?? createMemoryBlobStore();
  const deps: AppDeps = {
    store,
    platform: nodePlatform,
    events: { send: async () => {} },
    clock: () => new Date(Date.now() + now.offsetMs),
    logger,
    config: {
      maxUploadBytes: 1 << 20,
      retentionSeconds: 3 * 86400,
      operatorTokenHash: await operatorTokenHash(OPERATOR_TOKEN),
      publicUrl: null,
    },
  };
  const app = new Hono<AppEnv>();
  app.use('*', requestId());
  app.use('*', authMiddleware(deps));
  options.extra?.(app);
  app.route('/', (options.routes ?? adminRoutes)(deps));
  app.onError(onError(deps));
  return { app, deps, store, logs, now };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function basic(token: string, user = 'dnf'): Record<string, string> {
  return { authorization: `Basic ${btoa(`${user}:${token}`)}` };
}

/** Every blob in the store as text (to prove a secret never reached storage). */
export async function allBlobText(store: BlobStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await store.list('', cursor === undefined ? {} : { cursor });
    for (const item of page.items) {
      const obj = await store.get(item.key);
      if (obj) out.set(item.key, await new Response(obj.body).text());
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}
