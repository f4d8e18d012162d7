/**
 * The isolation matrix: every route × a fixed cast of credentials → the status each must get.
 * Expected rows are written from the rules in src/auth/principal.ts (operator everything;
 * anonymous only public reads, else 401; another tenant 404 except public reads; this tenant
 * without the scope or outside its repo list 403) — see `expectedRow`, which states those rules
 * independently of `authorize`, so a route that passes the wrong Access fails here.
 *
 * Other route modules add their cases: build a world with their routes mounted
 * (`buildWorld({ routes })`, or the whole composed app with `{ app }`) and call
 * `describeMatrix(title, cases, options)`.
 */
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import type { AppDeps } from '../../src/http/deps.js';
import type { AppEnv } from '../../src/http/env.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import { basic, bearer, OPERATOR_TOKEN, testService, type TestService } from './admin-app.js';

export const WHO = ['none', 'aRead', 'aPublish', 'aAdmin', 'aReadX', 'bAdmin', 'operator'] as const;
export type Who = (typeof WHO)[number];

/**
 * Tenants `a` and `b`. Repos: a/x, a/y (private), a/pub (public), b/z (private).
 * aReadX is a read token of tenant a limited to repo x.
 */
export interface World {
  svc: TestService;
  headers: Record<Who, Record<string, string>>;
  /** The same credentials as dnf sends them: Basic, the token as the password. */
  basic: Record<Who, Record<string, string>>;
  /** Token ids (null for none/operator). */
  tokenIds: Record<Who, string | null>;
  /**
   * The same credentials as a browse-page session cookie (none: no cookie); made by the page
   * cases' setup (isolation-page-cases.ts) for `auth: 'session'`.
   */
  sessions?: Record<Who, Record<string, string>>;
  /** Fresh per call: unique names for create-routes. */
  unique(prefix: string): string;
}

export interface WorldOptions {
  routes?: (deps: AppDeps) => Hono<AppEnv>;
  /** Serve this app instead of the test app around `routes` (e.g. `createApp`: every route, its own middleware). */
  app?: (deps: AppDeps) => Hono<AppEnv>;
}

export async function buildWorld(options: WorldOptions = {}): Promise<World> {
  const svc = await testService(options.routes ? { routes: options.routes } : {});
  if (options.app) svc.app = options.app(svc.deps);
  const { store } = svc;
  const now = svc.deps.clock();
  await createTenant(store, 'a', now);
  await createTenant(store, 'b', now);
  await Promise.all([
    createRepo(store, { tenant: 'a', name: 'x', public: false, allowUnsigned: false }, now),
    createRepo(store, { tenant: 'a', name: 'y', public: false, allowUnsigned: false }, now),
    createRepo(store, { tenant: 'a', name: 'pub', public: true, allowUnsigned: false }, now),
    createRepo(store, { tenant: 'b', name: 'z', public: false, allowUnsigned: false }, now),
  ]);
  const mint = async (tenant: string, scopes: ('read' | 'publish' | 'admin')[], repos: string[] | null = null) =>
    createToken(store, { tenant, scopes, repos, expiresAt: null }, now);
  const [aRead, aPublish, aAdmin, aReadX, bAdmin] = await Promise.all([
    mint('a', ['read']), mint('a', ['publish']), mint('a', ['admin']), mint('a', ['read'], ['x']), mint('b', ['admin']),
  ]);
  let n = 0;
  return {
    svc,
    headers: {
      none: {},
      aRead: bearer(aRead.token),
      aPublish: bearer(aPublish.token),
      aAdmin: bearer(aAdmin.token),
      aReadX: bearer(aReadX.token),
      bAdmin: bearer(bAdmin.token),
      operator: bearer(OPERATOR_TOKEN),
    },
    basic: {
      none: {},
      aRead: basic(aRead.token),
      aPublish: basic(aPublish.token),
      aAdmin: basic(aAdmin.token),
      aReadX: basic(aReadX.token),
      bAdmin: basic(bAdmin.token),
      operator: basic(OPERATOR_TOKEN),
    },
    tokenIds: { none: null, aRead: aRead.id, aPublish: aPublish.id, aAdmin: aAdmin.id, aReadX: aReadX.id, bAdmin: bAdmin.id, operator: null },
    unique: (prefix) => `${prefix}-${++n}`,
  };
}

export type Need = 'read' | 'publish' | 'admin' | 'operator';

export interface Rule {
  need: Need;
  /** Tenant the resource belongs to. */
  tenant: 'a' | 'b';
  /** Repo the resource belongs to (absent for tenant-level routes). */
  repo?: 'x' | 'y' | 'pub' | 'z';
  /** Status on success. */
  ok: number;
}

const TOKENS: Record<Exclude<Who, 'none' | 'operator'>, { tenant: 'a' | 'b'; rank: number; repos: string[] | null }> = {
  aRead: { tenant: 'a', rank: 1, repos: null },
  aPublish: { tenant: 'a', rank: 2, repos: null },
  aAdmin: { tenant: 'a', rank: 3, repos: null },
  aReadX: { tenant: 'a', rank: 1, repos: ['x'] },
  bAdmin: { tenant: 'b', rank: 3, repos: null },
};
const RANK: Record<Exclude<Need, 'operator'>, number> = { read: 1, publish: 2, admin: 3 };

/** What each credential must get for a route that needs `rule`. */
export function expectedRow(rule: Rule): Record<Who, number> {
  const publicRead = rule.need === 'read' && rule.repo === 'pub';
  const row = { operator: rule.ok } as Record<Who, number>;
  row.none = rule.need !== 'operator' && publicRead ? rule.ok : 401;
  for (const [who, t] of Object.entries(TOKENS) as [keyof typeof TOKENS, (typeof TOKENS)[keyof typeof TOKENS]][]) {
    if (rule.need === 'operator') row[who] = 403;
    else if (publicRead) row[who] = rule.ok;
    else if (t.tenant !== rule.tenant) row[who] = 404;
    else if (rule.repo !== undefined && t.repos !== null && !t.repos.includes(rule.repo)) row[who] = 403;
    else row[who] = t.rank >= RANK[rule.need] ? rule.ok : 403;
  }
  return row;
}

export interface RequestSpec {
  path: string;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export interface MatrixCase {
  name: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Builds the request for one credential (runs before each request: create fresh resources here). */
  request: (world: World, who: Who) => Promise<RequestSpec> | RequestSpec;
  expect: Record<Who, number>;
  /** How the credential is sent (default Bearer; `session`: as the browse pages' cookie). */
  auth?: 'bearer' | 'basic' | 'session';
}

const CODE_FOR: Record<number, string> = { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' };

function credentials(world: World, auth: MatrixCase['auth']): Record<Who, Record<string, string>> {
  if (auth === 'session') {
    if (!world.sessions) throw new Error('session cases need world.sessions (withSessions in their setup)');
    return world.sessions;
  }
  return auth === 'basic' ? world.basic : world.headers;
}

/** Runs one case for every credential; returns the mismatches (empty = pass). */
export async function runCase(world: World, c: MatrixCase): Promise<string[]> {
  const problems: string[] = [];
  for (const who of WHO) {
    const spec = await c.request(world, who);
    const res = await world.svc.app.request(spec.path, {
      method: c.method,
      headers: { ...spec.headers, ...credentials(world, c.auth)[who] },
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    });
    const want = c.expect[who];
    const text = await res.text();
    if (res.status !== want) {
      problems.push(`${who}: got ${res.status}, want ${want} (${text.slice(0, 160)})`);
      continue;
    }
    const code = CODE_FOR[res.status];
    // a HEAD answer has no body to carry the problem
    if (code !== undefined && c.method !== 'HEAD') {
      const body = JSON.parse(text) as { code?: string };
      if (body.code !== code) problems.push(`${who}: problem code ${body.code}, want ${code}`);
    }
    if (res.status === 401 && res.headers.get('www-authenticate') !== 'Basic realm="berth"') {
      problems.push(`${who}: 401 without the Basic challenge`);
    }
  }
  return problems;
}

export function describeMatrix(
  title: string,
  cases: readonly MatrixCase[],
  options: WorldOptions & { setup?: (world: World) => Promise<void>; timeout?: number } = {},
): void {
  describe(title, () => {
    let world: World;
    beforeAll(async () => {
      world = await buildWorld(options);
      await options.setup?.(world);
    }, 60_000);
    for (const c of cases) {
      it(`${c.method} ${c.name}`, async () => {
        expect(await runCase(world, c)).toEqual([]);
      }, options.timeout);
    }
  });
}
