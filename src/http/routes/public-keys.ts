/**
 * `GET|HEAD /keys/<FINGERPRINT>.asc`: a public key a repo's config.repo lists, served without
 * credentials (repo/client-keys.ts). Answered before authentication, like /healthz: a client
 * fetching a key needs nothing else, and a bad credential does not stand in its way.
 */
import { Hono } from 'hono';
import { readPublicKey } from '../../repo/client-keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';

const FILE = /^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})\.asc$/;

export const publicKeyRouteDocs: RouteDoc[] = [{
  method: 'get', path: '/keys/{file}', access: 'public',
  summary: 'A public OpenPGP key by fingerprint (`<FINGERPRINT>.asc`): the publisher keys config.repo lists, without credentials',
  responses: { 200: 'text' }, problems: { 404: ['not_found'] },
}];

export function publicKeyRoutes(deps: Pick<AppDeps, 'store'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // hono answers HEAD with this route's GET response, without its body
  app.get('/keys/:file', async (c) => {
    const file = c.req.param('file');
    const fpr = FILE.exec(file)?.[1];
    const armored = fpr === undefined ? null : await readPublicKey(deps.store, fpr);
    if (armored === null) throw new ProblemError(404, 'not_found', `no key ${file.slice(0, 80)}`);
    return c.body(armored, 200, { 'content-type': 'application/pgp-keys', 'cache-control': 'public, max-age=300' });
  });
  return app;
}
