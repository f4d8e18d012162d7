/**
 * The repository lifecycle API (docs/service.md): retention, snapshots, metadata key rotation and
 * promotion, mounted together so the app composes them in one place.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { RouteDoc } from '../openapi.js';
import { metadataKeyRouteDocs, metadataKeyRoutes } from './metadata-keys.js';
import { promoteRouteDocs, promoteRoutes } from './promote.js';
import { retentionRouteDocs, retentionRoutes } from './retention.js';
import type { SnapshotRecords } from './snapshot-dnf.js';
import { snapshotRouteDocs, snapshotRoutes } from './snapshots.js';

export function lifecycleRoutes(deps: AppDeps, snapshots: SnapshotRecords): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route('/', retentionRoutes(deps));
  app.route('/', snapshotRoutes(deps, snapshots));
  app.route('/', promoteRoutes(deps));
  app.route('/', metadataKeyRoutes(deps));
  return app;
}

export const lifecycleRouteDocs: RouteDoc[] = [...retentionRouteDocs, ...snapshotRouteDocs, ...promoteRouteDocs, ...metadataKeyRouteDocs];
