/**
 * The admin API (docs/service.md: HTTP surface): tenants, repos, trusted keys, tokens, audit.
 * Every route authorizes with `requireAccess` before touching anything that could reveal
 * whether another tenant's resource exists, and audits every change it makes.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { RouteDoc } from '../openapi.js';
import type { TenantRateLimits } from '../rate-limit.js';
import { keyRouteDocs, keyRoutes } from './admin-keys.js';
import { editRouteDocs, editRoutes } from './admin-edit.js';
import { limitRouteDocs, limitRoutes } from './admin-limits.js';
import { tenantRouteDocs, tenantRoutes } from './admin-tenants.js';
import { tokenRouteDocs, tokenRoutes } from './admin-tokens.js';

export function adminRoutes(deps: AppDeps, rateLimits?: TenantRateLimits): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route('/', tenantRoutes(deps));
  app.route('/', keyRoutes(deps));
  app.route('/', tokenRoutes(deps));
  app.route('/', editRoutes(deps));
  app.route('/', limitRoutes(deps, rateLimits));
  return app;
}

export const adminRouteDocs: RouteDoc[] = [...tenantRouteDocs, ...keyRouteDocs, ...tokenRouteDocs, ...editRouteDocs, ...limitRouteDocs];
