/**
 * Mirror configuration and runs (docs/mirror.md). POST …/mirror stores the configuration (admin);
 * GET shows it with the last run; POST …/mirror/run runs the mirror now and answers with the
 * summary (200 also when the run failed: the failure is the summary's `error`), or, when the
 * client accepts `application/x-ndjson`, streams progress lines and then the summary.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { appendAudit } from '../../repo/audit.js';
import {
  MirrorConfigError, mirrorInputSchema, normalizeMirrorInput, readMirrorConfig, readMirrorState, writeMirrorConfig,
} from '../../repo/mirror-config.js';
import { MirrorError } from '../../mirror/errors.js';
import { keyFingerprints } from '../../mirror/repomd-signature.js';
import { isMirrorRunning, runMirror, type MirrorProgress, type MirrorSummary } from '../../mirror/run.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { jsonBody } from '../validate.js';

const MIRROR = '/api/v1/repos/{tenant}/{repo}/mirror';

const mirrorViewSchema = z.object({
  from: z.string(), metalink: z.boolean(), keyFingerprints: z.array(z.string()), verify: z.boolean(),
  mode: z.enum(['complete', 'filtered']), include: z.array(z.string()), exclude: z.array(z.string()), arches: z.array(z.string()),
  newest: z.number().nullable(), intervalSeconds: z.number(), concurrency: z.number(), updatedAt: z.string(),
  lastRun: z.unknown(), lastSuccessAt: z.string().nullable(),
});
const summarySchema = z.object({ ok: z.boolean(), outcome: z.enum(['updated', 'unchanged', 'failed']) }).passthrough();

export const mirrorRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: MIRROR, summary: 'Configure the repo as a mirror of an upstream repository', access: 'admin',
    body: mirrorInputSchema, responses: { 200: mirrorViewSchema, 201: mirrorViewSchema },
    problems: { 400: ['invalid_request', 'invalid_mirror', 'mirror_key_required'], 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found'], 422: ['invalid_key'] },
  },
  {
    method: 'get', path: MIRROR, summary: 'The mirror configuration and its last run', access: 'read',
    responses: { 200: mirrorViewSchema }, problems: { 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found', 'mirror_not_configured'] },
  },
  {
    method: 'post', path: `${MIRROR}/run`, summary: 'Run the mirror now (summary; NDJSON progress with Accept: application/x-ndjson)', access: 'admin',
    query: z.object({ force: z.enum(['1', 'true']).optional().describe('run even when upstream repomd.xml is the one mirrored last') }),
    responses: { 200: summarySchema },
    problems: { 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found', 'mirror_not_configured'], 409: ['mirror_running'] },
  },
];

export function mirrorRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();


  async function view(tenant: string, repo: string) {
    const config = await readMirrorConfig(deps.store, tenant, repo);
    if (!config) throw new ProblemError(404, 'mirror_not_configured', `${tenant}/${repo} is not a mirror`);
    const state = await readMirrorState(deps.store, tenant, repo);
    const { key, ...rest } = config;
    return { ...rest, keyFingerprints: key ? await keyFingerprints(key) : [], lastRun: state.lastRun, lastSuccessAt: state.lastSuccessAt };
  }

  app.post('/api/v1/repos/:tenant/:repo/mirror', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    const input = await jsonBody(c, mirrorInputSchema);
    const now = deps.clock();
    let config;
    try {
      config = normalizeMirrorInput(input, now);
      if (config.key !== null) await keyFingerprints(config.key);
    } catch (e) {
      if (e instanceof MirrorConfigError) throw new ProblemError(400, e.code, e.message);
      if (e instanceof MirrorError) throw new ProblemError(422, e.code, e.message);
      throw e;
    }
    const existed = (await readMirrorConfig(deps.store, tenant, repo)) !== null;
    await writeMirrorConfig(deps.store, tenant, repo, config);
    await appendAudit(deps.store, tenant, {
      actor: actorOf(principal), action: 'mirror.configure', target: repo,
      details: { from: config.from, metalink: config.metalink, mode: config.mode, verify: config.verify },
    }, now);
    return c.json(await view(tenant, repo), existed ? 200 : 201);
  });

  app.get('/api/v1/repos/:tenant/:repo/mirror', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    return c.json(await view(tenant, repo));
  });

  app.post('/api/v1/repos/:tenant/:repo/mirror/run', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    if (!(await readMirrorConfig(deps.store, tenant, repo))) throw new ProblemError(404, 'mirror_not_configured', `${tenant}/${repo} is not a mirror`);
    if (isMirrorRunning(tenant, repo)) throw new ProblemError(409, 'mirror_running', `a mirror run for ${tenant}/${repo} is already in progress`);
    const force = c.req.query('force') === '1' || c.req.query('force') === 'true';
    const actor = actorOf(principal);
    const start = (onProgress?: (p: MirrorProgress) => void): Promise<MirrorSummary> =>
      runMirror(deps, tenant, repo, { actor, force, ...(onProgress ? { onProgress } : {}) }).catch((e: unknown) => {
        if (e instanceof MirrorError && e.code === 'mirror_running') throw new ProblemError(409, e.code, e.message);
        throw e;
      });
    if (!(c.req.header('accept') ?? '').includes('application/x-ndjson')) return c.json(await start(), 200);

    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        let last = 0;
        const line = (v: unknown): void => controller.enqueue(enc.encode(`${JSON.stringify(v)}\n`));
        try {
          const summary = await start((p) => {
            const now = Date.now();
            // at most ~10 lines a second, but always the last of a phase
            if (now - last >= 100 || p.done === p.total) {
              last = now;
              line({ progress: p });
            }
          });
          line({ summary });
        } catch (e) {
          line({ error: { code: (e as { code?: string }).code ?? 'mirror_failed', detail: e instanceof Error ? e.message : String(e) } });
        }
        controller.close();
      },
    });
    return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  });

  return app;
}
