/**
 * The browse pages: server-rendered HTML for people, from the same app on every runtime. Paths
 * (none of them a dnf or API path, none ending in `.rpm`; `-` is never a tenant or repo name):
 *
 *   /                                   start page: public repos, how to log in, the API
 *   /-/login, /-/logout                 session login with a token (POST), logout (POST)
 *   /-/static/{name}                    the style sheet, script and icon (content-hashed names)
 *   /{t}/                               a tenant's repos
 *   /{t}/-/audit                        the tenant's audit log (admins)
 *   /{t}/{r}/                           a repo
 *   /{t}/{r}/-/use                      the .repo file and the keys
 *   /{t}/{r}/-/packages[?q=&after=]     packages, search by name, pages of 100
 *   /{t}/{r}/-/packages/{sha256}[/list] one package (and its long lists)
 *   /{t}/{r}/-/download/{sha256}        the package file, with the page's access
 *   /{t}/{r}/Packages/[{l}/]            directory listings
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { ASSET_TYPES, pageAssets } from './assets.js';
import { auditPageRoutes } from './audit.js';
import { autoindexRoutes } from './autoindex.js';
import { homeRoutes } from './home.js';
import { loginRoutes } from './login.js';
import { packageListRoutes } from './package-list.js';
import { packagePageRoutes } from './package.js';
import { repoRoutes } from './repo.js';

export function pageRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/-/static/:name', async (c) => {
    const name = c.req.param('name');
    const asset = Object.values(await pageAssets()).find((a) => a.name === name);
    if (!asset) throw new ProblemError(404, 'not_found', `no static file ${name.slice(0, 80)}`);
    return c.body(asset.body, 200, {
      'content-type': ASSET_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });

  loginRoutes(app, deps);
  homeRoutes(app, deps);
  auditPageRoutes(app, deps);
  repoRoutes(app, deps);
  packageListRoutes(app, deps);
  packagePageRoutes(app, deps);
  autoindexRoutes(app, deps);

  return app;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `/acme` and `/acme/main` are the pages at `/acme/` and `/acme/main/`: where a GET no route
 * took should be sent instead (null: nowhere). Not a route of its own, so no other method is
 * told these paths exist.
 */
export function pageRedirect(method: string, path: string): string | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const parts = path.split('/').slice(1);
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => NAME.test(p)) || parts[0] === 'api') return null;
  return `${path}/`;
}
