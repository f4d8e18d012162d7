/**
 * The repository lifecycle API (docs/service.md): retention, snapshots, metadata key rotation and
 * promotion, mounted together so the app composes them in one place.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { RouteDoc } from '../openapi.js';
import { retentionRouteDocs, retentionRoutes } from './retention.js';

export function lifecycleRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route('/', retentionRoutes(deps));
  return app;
}

export const lifecycleRouteDocs: RouteDoc[] = [...retentionRouteDocs];
