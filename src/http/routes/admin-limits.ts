/**
 * What a tenant stores and what it may (docs/service.md, Limits): `GET …/usage` reads the
 * tenant's usage record (repo/usage.ts, never a listing) beside its quota; `…/limits` shows the
 * limits in force and the operator's overrides, which only the operator changes (audited as
 * `tenant.limits`).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { appendAudit } from '../../repo/audit.js';
import { effectiveLimit, readTenantLimits, updateTenantLimits, type LimitsPatch, type TenantLimits } from '../../repo/tenant-limits.js';
import { readUsage } from '../../repo/usage.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, requireAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import type { TenantRateLimits } from '../rate-limit.js';
import { jsonBody } from '../validate.js';
import { requireTenant } from './admin-tenants.js';

export const usageSchema = z.object({
  tenant: z.string(),
  bytes: z.number().int().describe('bytes of package blobs the tenant stores (a package in several repos counts once)'),
  packages: z.number().int().describe('package blobs (distinct contents) the tenant stores'),
  quotaBytes: z.number().int().nullable().describe('the quota in force for the tenant; null: none'),
});

const override = (min: number) => z.union([z.number().int().min(min).max(Number.MAX_SAFE_INTEGER), z.literal('unlimited'), z.literal('default')]);

export const limitsPatchSchema = z.object({
  quotaBytes: override(0).optional().describe('bytes of packages the tenant may store; "unlimited": no quota; "default": the server\'s (BERTH_TENANT_QUOTA)'),
  rateLimit: override(1).optional().describe('requests per token per window (BERTH_RATE_LIMIT_WINDOW); "unlimited": not limited; "default": the server\'s (BERTH_RATE_LIMIT)'),
}).strict();

const shown = z.union([z.number().int(), z.literal('unlimited')]);
export const limitsSchema = z.object({
  tenant: z.string(),
  quotaBytes: z.number().int().nullable().describe('the quota in force; null: none'),
  rateLimit: z.object({ requests: z.number().int(), windowSeconds: z.number().int() }).nullable().describe('the rate limit in force per token; null: none'),
  overrides: z.object({ quotaBytes: shown.optional(), rateLimit: shown.optional() }).describe('what the operator set for this tenant (absent: the server\'s default)'),
});

const asPatch = (v: number | 'unlimited' | 'default' | undefined): number | null | 'default' | undefined => (v === 'unlimited' ? null : v);
const asShown = (v: number | null | undefined): number | 'unlimited' | undefined => (v === null ? 'unlimited' : v);

export function limitRoutes(deps: AppDeps, rateLimits?: TenantRateLimits): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const view = (tenant: string, o: TenantLimits): z.infer<typeof limitsSchema> => {
    const requests = effectiveLimit(o.rateLimit, deps.config.rateLimit?.requests || null);
    const overrides: z.infer<typeof limitsSchema>['overrides'] = {};
    if (o.quotaBytes !== undefined) overrides.quotaBytes = asShown(o.quotaBytes);
    if (o.rateLimit !== undefined) overrides.rateLimit = asShown(o.rateLimit);
    return {
      tenant,
      quotaBytes: effectiveLimit(o.quotaBytes, deps.config.tenantQuotaBytes),
      rateLimit: requests === null ? null : { requests, windowSeconds: deps.config.rateLimit?.windowSeconds ?? 60 },
      overrides,
    };
  };

  app.get('/api/v1/tenants/:tenant/usage', async (c) => {
    const tenant = c.req.param('tenant');
    requireAccess(c, { tenant, action: 'admin' });
    await requireTenant(deps, tenant);
    const [usage, limits] = await Promise.all([readUsage(deps.store, tenant), readTenantLimits(deps.store, tenant)]);
    return c.json({
      tenant, bytes: usage.bytes, packages: usage.packages, quotaBytes: effectiveLimit(limits.quotaBytes, deps.config.tenantQuotaBytes),
    } satisfies z.infer<typeof usageSchema>);
  });

  app.get('/api/v1/tenants/:tenant/limits', async (c) => {
    const tenant = c.req.param('tenant');
    requireAccess(c, { tenant, action: 'admin' });
    await requireTenant(deps, tenant);
    return c.json(view(tenant, await readTenantLimits(deps.store, tenant)));
  });

  app.patch('/api/v1/tenants/:tenant/limits', async (c) => {
    const tenant = c.req.param('tenant');
    const principal = requireAccess(c, { tenant, action: 'admin', operatorOnly: true });
    await requireTenant(deps, tenant);
    const body = await jsonBody(c, limitsPatchSchema);
    const patch: LimitsPatch = {};
    if (body.quotaBytes !== undefined) patch.quotaBytes = asPatch(body.quotaBytes);
    if (body.rateLimit !== undefined) patch.rateLimit = asPatch(body.rateLimit);
    const { after, changed } = await updateTenantLimits(deps.store, tenant, patch);
    if (Object.keys(changed).length > 0) {
      rateLimits?.forget(tenant);
      const audited = Object.fromEntries(Object.entries(changed).map(([k, v]) => [k, { from: asShown(v.from) ?? 'default', to: asShown(v.to) ?? 'default' }]));
      await appendAudit(deps.store, tenant, { actor: actorOf(principal), action: 'tenant.limits', target: tenant, details: { changed: audited } }, deps.clock());
    }
    return c.json(view(tenant, after));
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
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/limits',
    summary: 'The quota and rate limit in force for the tenant, and the operator\'s overrides',
    access: 'admin', responses: { 200: limitsSchema }, problems: { ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'patch', path: '/api/v1/tenants/{tenant}/limits',
    summary: 'Set the tenant\'s own quota and rate limit (operator only): a number, "unlimited", or "default" (the server\'s)',
    access: 'operator', body: limitsPatchSchema, responses: { 200: limitsSchema }, problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found'], 503: ['busy'] },
  },
];
