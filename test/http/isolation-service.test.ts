/**
 * The isolation matrix on the composed app (createApp): every registered route × the seven
 * credentials, including the dnf paths with Basic (as dnf sends them) and Bearer, through the
 * dnf pre-router and through hono's own dnf routes. The last test enumerates the app's routes and
 * fails when one has no matrix case, so a new route cannot skip the matrix.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import type { AppDeps } from '../../src/http/deps.js';
import { adminCases } from './isolation-admin-cases.js';
import { buildWorld, describeMatrix, type MatrixCase, type World } from './isolation-matrix.js';
import { lifecycleCases, lifecycleSetup } from './isolation-lifecycle-cases.js';
import {
  changesCases, dnfCases, mirrorCases, mirrorSetup, packageCases, publicCases, serviceSetup,
} from './isolation-service-cases.js';
import { pageCases, pageSetup, publicPageCases } from './isolation-page-cases.js';
import { advisoryCases, advisorySetup } from './isolation-advisory-cases.js';
import { groupCases, groupSetup } from './isolation-group-cases.js';

const app = (deps: AppDeps) => createApp(deps);
const honoOnly = (deps: AppDeps) => createApp(deps, { dnfPreRouter: false });
const dnf = [...dnfCases('basic'), ...dnfCases('bearer')];

describeMatrix('composed app: admin routes', adminCases, { app });
describeMatrix('composed app: package, changes and public routes', [...packageCases, ...changesCases, ...publicCases], { app, setup: serviceSetup });
// Mirror configs make the repos mirrors (publishing there is refused), so they get a world of their own.
// A run retries the dead upstream a few times (≈1 s): allow for it.
describeMatrix('composed app: mirror routes', mirrorCases, { app, setup: mirrorSetup, timeout: 30_000 });
describeMatrix('composed app: lifecycle routes (retention, snapshots, metadata keys, promotion)', lifecycleCases, { app, setup: lifecycleSetup, timeout: 30_000 });
describeMatrix('composed app: advisory routes', advisoryCases, { app, setup: advisorySetup, timeout: 30_000 });
describeMatrix('composed app: groups and modules routes', groupCases, { app, setup: groupSetup, timeout: 30_000 });
describeMatrix('composed app: dnf paths (pre-router)', dnf, { app, setup: serviceSetup });
describeMatrix('composed app: dnf paths (hono routes)', dnf, { app: honoOnly, setup: serviceSetup });
const pageWorld = async (w: World): Promise<void> => {
  await serviceSetup(w);
  await pageSetup(w);
};
describeMatrix('composed app: browse pages', [...pageCases, ...publicPageCases], { app, setup: pageWorld });

/** A hono route pattern (`/:p`, `/:p{re}`, `*`) as an anchored regular expression. */
function routeRegex(pattern: string): RegExp {
  let re = '';
  let last = 0;
  for (const m of pattern.matchAll(/:\w+(?:\{([^}]+)\})?|\*/g)) {
    re += pattern.slice(last, m.index).replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    re += m[0] === '*' ? '.*' : m[1] !== undefined ? `(?:${m[1]})` : '[^/]+';
    last = m.index + m[0].length;
  }
  return new RegExp(`^${re}${pattern.slice(last).replace(/[.+?^${}()|[\]\\]/g, '\\$&')}$`);
}

describe('composed app: route coverage', () => {
  it('routeRegex reads hono patterns', () => {
    expect(routeRegex('/api/v1/repos/:tenant/:repo').test('/api/v1/repos/a/x')).toBe(true);
    expect(routeRegex('/api/v1/repos/:tenant/:repo').test('/api/v1/repos/a/x/keys')).toBe(false);
    expect(routeRegex('/:tenant/:repo/config.repo').test('/a/x/configXrepo')).toBe(false);
    expect(routeRegex('/:tenant/:repo/:location{.+}').test('/a/x/Packages/e/e.rpm')).toBe(true);
  });

  it('every route createApp registers is exercised by a matrix case, and every case reaches a route', async () => {
    const world = await buildWorld({ app });
    await lifecycleSetup(world);
    await pageSetup(world);
    await mirrorSetup(world);
    const routes = world.svc.app.routes
      .filter((r) => r.method !== 'ALL') // middleware (`use`)
      .map((r) => ({ method: r.method, path: r.path, re: routeRegex(r.path) }));
    const cases: MatrixCase[] = [...adminCases, ...packageCases, ...changesCases, ...mirrorCases, ...publicCases, ...lifecycleCases, ...advisoryCases, ...groupCases, ...dnf, ...pageCases, ...publicPageCases];
    const covered = new Set<string>();
    const unrouted: string[] = [];
    for (const c of cases) {
      const path = (await c.request(world, 'operator')).path.split('?')[0] as string;
      // hono answers with the first matching route in registration order
      const hit = routes.find((r) => r.method === c.method && r.re.test(path));
      if (hit) covered.add(`${hit.method} ${hit.path}`);
      else unrouted.push(`${c.method} ${path}`);
    }
    expect(unrouted).toEqual([]);
    const uncovered = routes.map((r) => `${r.method} ${r.path}`).filter((r) => !covered.has(r));
    expect(uncovered).toEqual([]);
    expect(routes.length).toBeGreaterThan(20); // the enumeration itself works
  }, 60_000);
});
