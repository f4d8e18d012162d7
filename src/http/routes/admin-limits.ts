/**
 * What a tenant stores and what it may (docs/service.md, Limits): `GET …/usage` reads the
 * tenant's usage record (repo/usage.ts, never a listing) beside its quota.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { readUsage } from '../../repo/usage.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { requireAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { requireTenant } from './admin-tenants.js';

export const usageSchema = z.object({
  tenant: z.string(),
  bytes: z.number().int().describe('bytes of package blobs the tenant stores (a package in several repos counts once)'),
  packages: z.number().int().describe('package blobs (distinct contents) the tenant stores'),
  quotaBytes: z.number().int().nullable().describe('the quota that applies to the tenant; null: none'),
});

export function limitRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/api/v1/tenants/:tenant/usage', async (c) => {
    const tenant = c.req.param('tenant');
    requireAccess(c, { tenant, action: 'admin' });
    await requireTenant(deps, tenant);
    const usage = await readUsage(deps.store, tenant);
    return c.json({ tenant, bytes: usage.bytes, packages: usage.packages, quotaBytes: deps.config.tenantQuotaBytes ?? null } satisfies z.infer<typeof usageSchema>);
  });

  return app;
}

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const limitRouteDocs: RouteDoc[] = [
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/usage',
    summary: 'What the tenant stores (package bytes and count, kept as packages are stored and garbage-collected) and its quota',
    access: 'admin', responses: { 200: usageSchema }, problems: { ...AUTH, 404: ['not_found'] },
  },
];
