/**
 * 405 for a wrong method on a path that exists: which methods the app's routes accept for a
 * path, from hono's own route table (`app.routes`), so the answer cannot drift from the routes.
 * The dnf read routes (`/{tenant}/{repo}/…`) match any three-segment path: they count only
 * outside /api/.
 */
import type { Hono } from 'hono';
import type { AppEnv } from './env.js';

interface Pattern {
  method: string;
  re: RegExp;
  dnf: boolean;
}

/** hono's `/a/:p/:q{.+}/*` as an anchored regular expression. */
export function routeRegExp(path: string): RegExp {
  let re = '';
  for (const part of path.split('/').slice(1)) {
    const param = /^:\w+(?:\{(.+)\})?$/.exec(part);
    if (param) re += `/(?:${param[1] ?? '[^/]+'})`;
    else if (part === '*') re += '(?:/.*)?';
    else re += `/${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  }
  return new RegExp(`^${re || '/'}$`);
}

/** A function from a path to the methods accepted there (sorted, HEAD wherever GET is). */
export function allowedMethods(app: Hono<AppEnv>): (path: string) => string[] {
  let patterns: Pattern[] | null = null;
  return (path) => {
    patterns ??= app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, re: routeRegExp(r.path), dnf: r.path.startsWith('/:tenant/:repo/') }));
    const api = path.startsWith('/api/') || path === '/healthz';
    const methods = new Set(patterns.filter((p) => (!p.dnf || !api) && p.re.test(path)).map((p) => p.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
