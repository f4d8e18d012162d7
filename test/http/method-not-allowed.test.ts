// A wrong method on a path that exists is 405 with Allow (and a JSON problem), for every route
// of the app; a path that does not exist is 404.
import { describe, expect, it } from 'vitest';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createApp } from '../../src/http/app.js';
import { makeWorld } from '../repo/support.js';
import { bearer, OPERATOR } from './serving-app.js';

/** The app with an operator token: the API answers anonymous requests 401 before routing. */
async function operatorApp(): Promise<ReturnType<typeof createApp>> {
  const w = await makeWorld([]);
  w.deps.config.operatorTokenHash = await operatorTokenHash(OPERATOR);
  return createApp(w.deps);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** A concrete path for a hono route template. */
function concrete(path: string): string {
  return path
    .replace(':location{.+}', 'Packages/a/a-1-1.noarch.rpm')
    .replace(':file', 'repomd.xml')
    .replace(':sha256', 'a'.repeat(64))
    .replace(':fpr', 'A'.repeat(40))
    .replace(/:(\w+)/g, (_m, name: string) => (name === 'tenant' ? 'acme' : name === 'repo' ? 'main' : 'x'));
}

describe('405 Method Not Allowed', () => {
  it('every route: the other methods get 405, Allow lists the route\'s methods, the body is a method_not_allowed problem', async () => {
    const app = await operatorApp();
    const routes = app.routes.filter((r) => r.method !== 'ALL');
    const byPath = new Map<string, Set<string>>();
    for (const r of routes) (byPath.get(r.path) ?? byPath.set(r.path, new Set()).get(r.path)!).add(r.method);
    expect(byPath.size).toBeGreaterThan(20);
    for (const [path, methods] of byPath) {
      if (methods.has('GET')) methods.add('HEAD');
      const url = `http://x${concrete(path)}`;
      for (const method of METHODS.filter((m) => !methods.has(m))) {
        const res = await app.request(url, { method, headers: bearer() });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow'), `${method} ${path}`).toBe([...methods].sort().join(', '));
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        if (method !== 'HEAD') expect(await res.json()).toMatchObject({ status: 405, code: 'method_not_allowed' });
        expect(res.headers.get('x-request-id')).toBeTruthy();
      }
    }
  });

  it('a path no route has is 404, whatever the method', async () => {
    const app = await operatorApp();
    for (const [method, path] of [['GET', '/api/v1/nothing-here'], ['DELETE', '/api/v1/nothing/here/deeper'], ['POST', '/acme'], ['PATCH', '/api/v1/tenants/acme/repos/main/x']]) {
      const res = await app.request(`http://x${path}`, { method, headers: bearer() });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('not_found');
    }
  });
});
