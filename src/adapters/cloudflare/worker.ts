/**
 * The Cloudflare Worker: `fetch` (the shared Hono app, whose dnf read path is the same as on every
 * runtime; the Worker supplies its caches in deps.ts), `queue` (the RepoChanged consumer that
 * regenerates repodata) and `scheduled` (GC hourly, due mirror runs every 5 minutes, told apart
 * by the cron expression). Deps and app are built once per isolate from `env` (deps.ts).
 */
import { createApp } from '../../http/app.js';
import { ProblemError, problemResponse } from '../../http/problem.js';
import { runDueMirrors } from '../../mirror/schedule.js';
import { collectGarbage } from '../../repo/gc.js';
import { regenerate } from '../../repo/regenerate.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import { isValidName } from '../../storage/keys.js';
import type { WorkerEnv } from './config.js';
import { GC_CRON, MIRROR_CRON } from './crons.js';
import { workerDeps, type WorkerDeps } from './deps.js';
import type { EdgeCache } from './edge-files.js';

export type { WorkerEnv } from './config.js';

interface ExecutionContextLike {
  waitUntil(p: Promise<unknown>): void;
}

interface ScheduledControllerLike {
  /** The expression from wrangler.jsonc `triggers.crons` that fired, exactly as written there. */
  readonly cron: string;
}

interface MessageLike {
  readonly body: unknown;
  ack(): void;
  retry(): void;
}

interface MessageBatchLike {
  readonly queue: string;
  readonly messages: readonly MessageLike[];
}

interface Runtime {
  worker: WorkerDeps;
  app: ReturnType<typeof createApp>;
}

const runtimes = new WeakMap<object, Promise<Runtime>>();

function edgeCache(): EdgeCache | null {
  const caches = (globalThis as { caches?: { default?: EdgeCache } }).caches;
  return caches?.default ?? null;
}

function runtime(env: WorkerEnv): Promise<Runtime> {
  let p = runtimes.get(env);
  if (!p) {
    p = workerDeps(env, edgeCache()).then((worker) => ({ worker, app: createApp(worker.deps) }));
    runtimes.set(env, p);
    p.catch(() => runtimes.delete(env));
  }
  return p;
}

/**
 * workerd sends a ReadableStream body of unknown length chunked and drops the app's
 * Content-Length (store reads, ranges, edge-cache hits); a body piped through a FixedLengthStream
 * of the declared size is sent with it, and workerd fails the response if the bytes fall short or
 * run over. Bodiless answers (HEAD, 304) keep the header as they are: workerd sends a null body's
 * Content-Length unchanged, whereas an empty FixedLengthStream of the declared size is a short
 * body (a 500).
 */
export function keepContentLength(res: Response): Response {
  const declared = res.headers.get('content-length');
  const Fixed = (globalThis as { FixedLengthStream?: FixedLengthStreamCtor }).FixedLengthStream;
  if (res.body === null || declared === null || !/^\d+$/.test(declared) || Fixed === undefined) return res;
  const fixed = new Fixed(Number(declared));
  // A failed source aborts the fixed stream: the client sees a broken response, never a short one.
  res.body.pipeTo(fixed.writable).catch(() => undefined);
  return new Response(fixed.readable, res);
}

/** workerd's FixedLengthStream: a TransformStream whose readable side has a known length. */
type FixedLengthStreamCtor = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

function problem(status: 500 | 503, code: string, detail: string): Response {
  const requestId = crypto.randomUUID();
  const res = problemResponse(new ProblemError(status, code, detail), requestId);
  res.headers.set('X-Request-Id', requestId);
  return res;
}

/** `{tenant, repo}` of a RepoChanged message, or null for a message that can never succeed. */
function repoOf(body: unknown): { tenant: string; repo: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const { tenant, repo } = body as { tenant?: unknown; repo?: unknown };
  return typeof tenant === 'string' && typeof repo === 'string' && isValidName(tenant) && isValidName(repo) ? { tenant, repo } : null;
}

async function answer(req: Request, env: WorkerEnv, ctx: ExecutionContextLike): Promise<Response> {
  let rt: Runtime;
  try {
    rt = await runtime(env);
  } catch (e) {
    // Config messages name variables only, never values.
    console.error(JSON.stringify({ level: 'error', msg: 'worker configuration', error: e instanceof Error ? e.message : String(e) }));
    return problem(503, 'worker_config', e instanceof Error ? e.message : 'configuration error');
  }
  return rt.app.fetch(req, env, ctx as never);
}

export default {
  async fetch(req: Request, env: WorkerEnv, ctx: ExecutionContextLike): Promise<Response> {
    return keepContentLength(await answer(req, env, ctx));
  },

  /**
   * One regeneration per repo per batch (each reads the latest index, so the batch's other
   * messages for that repo are covered by it); a failure retries that repo's messages.
   */
  async queue(batch: MessageBatchLike, env: WorkerEnv): Promise<void> {
    const { worker } = await runtime(env);
    const { deps, config } = worker;
    const byRepo = new Map<string, { tenant: string; repo: string; messages: MessageLike[] }>();
    for (const msg of batch.messages) {
      const target = repoOf(msg.body);
      if (!target) {
        deps.logger.warn('dropping malformed RepoChanged message', { queue: batch.queue });
        msg.ack();
        continue;
      }
      const id = `${target.tenant}/${target.repo}`;
      const group = byRepo.get(id) ?? { ...target, messages: [] };
      group.messages.push(msg);
      byRepo.set(id, group);
    }
    for (const { tenant, repo, messages } of byRepo.values()) {
      try {
        const calls = worker.r2Calls.calls;
        const result = await regenerate(deps, storeTenancy, tenant, repo, { codec: config.codec });
        // This isolate serves the new repomd.xml at once; others within BERTH_METADATA_CACHE_SECONDS.
        await deps.cache?.invalidateRepo(tenant, repo);
        // r2Calls: subrequests made meanwhile (this isolate's other requests included), against
        // the invocation's limit (wrangler.jsonc limits.subrequests).
        deps.logger.info('regeneration', { tenant, repo, revision: result.revision, outcome: result.outcome, r2Calls: worker.r2Calls.calls - calls });
        for (const m of messages) m.ack();
      } catch (e) {
        deps.logger.error('regeneration failed; retrying', { tenant, repo, error: e instanceof Error ? e.message : String(e) });
        for (const m of messages) m.retry();
      }
    }
  },

  async scheduled(controller: ScheduledControllerLike, env: WorkerEnv, ctx: ExecutionContextLike): Promise<void> {
    const { worker } = await runtime(env);
    const { deps, config } = worker;
    if (controller.cron === GC_CRON) {
      ctx.waitUntil(collectGarbage({ store: deps.store, logger: deps.logger, config: deps.config }, deps.clock()).then(
        (report) => deps.logger.info('gc', { ...report }),
        (e: unknown) => deps.logger.error('gc failed', { error: e instanceof Error ? e.message : String(e) }),
      ));
      return;
    }
    if (controller.cron === MIRROR_CRON) {
      // A read-only edge in front of Azure cannot write; the Azure origin's own timer mirrors.
      if (config.storage.kind !== 'r2') return;
      // Awaited, not waitUntil: the invocation lasts as long as the runs, and its CPU/subrequest
      // limits are theirs (docs/cloudflare.md). A failed run is in the mirror's state, not thrown.
      const runs = await runDueMirrors(deps, deps.clock());
      if (runs.length > 0) {
        deps.logger.info('scheduled mirror runs', {
          runs: runs.map((r) => ({ repo: `${r.tenant}/${r.repo}`, outcome: r.outcome, requests: r.requests, ...(r.error ? { error: r.error.code } : {}) })),
        });
      }
      return;
    }
    deps.logger.error('unknown cron trigger; nothing run', { cron: controller.cron, known: [GC_CRON, MIRROR_CRON] });
  },
};
