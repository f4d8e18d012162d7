// The composed app (createApp) over a repo test world, with the operator credential set.
import type { Hono } from 'hono';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createApp } from '../../src/http/app.js';
import type { AppEnv } from '../../src/http/env.js';
import type { World } from '../repo/support.js';

export const OPERATOR = 'operator-secret-for-lifecycle-tests';

export async function composedApp(w: World): Promise<Hono<AppEnv>> {
  w.deps.config.operatorTokenHash = await operatorTokenHash(OPERATOR);
  return createApp(w.deps);
}

export const asOperator = (extra: Record<string, string> = {}): Record<string, string> => ({ authorization: `Bearer ${OPERATOR}`, ...extra });

/** A JSON request init as the operator. */
export function jsonReq(method: string, body?: unknown): RequestInit {
  return { method, headers: asOperator({ 'content-type': 'application/json' }), ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}
