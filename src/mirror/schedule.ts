/**
 * Scheduled mirror runs. A mirror is due when its interval has passed since its last run. Runs
 * are fair between tenants: each tenant's due mirrors run one after another, different tenants
 * run side by side (at most `maxTenants` at once), so one tenant's slow upstream — bounded by the
 * outbound timeouts anyway — never delays another tenant's runs.
 *
 * Two drivers: `runDueMirrors` does one pass and resolves when it is done (timer functions that
 * must await their work: Azure, Workers); `MirrorScheduler` is for a long-running server: each
 * tick starts work for tenants that are not busy and returns at once, so a tenant still running
 * from an earlier tick is skipped without holding up the others.
 */
import type { Logger } from '../core/logger.js';
import { listAll } from '../storage/blob-store.js';
import { MIRRORS_PREFIX } from '../storage/keys.js';
import { readMirrorConfig, readMirrorState } from '../repo/mirror-config.js';
import { isMirrorRunning, runMirror, type MirrorDeps, type MirrorSummary } from './run.js';

const MARKER = /^mirrors\/([a-z0-9-]+)\/([a-z0-9-]+)\.json$/;

export const DEFAULT_MIRROR_TENANTS = 4;

/** Due mirrors by tenant, in listing order. */
async function dueByTenant(deps: MirrorDeps, now: Date): Promise<Map<string, string[]>> {
  const due = new Map<string, string[]>();
  for await (const item of listAll(deps.store, MIRRORS_PREFIX)) {
    const m = MARKER.exec(item.key);
    if (!m) continue;
    const tenant = m[1] as string;
    const repo = m[2] as string;
    const config = await readMirrorConfig(deps.store, tenant, repo);
    if (!config) {
      // the repo (or its mirror configuration) is gone: drop the stale marker
      await deps.store.delete(item.key);
      continue;
    }
    if (config.intervalSeconds === 0 || isMirrorRunning(tenant, repo)) continue;
    const last = (await readMirrorState(deps.store, tenant, repo)).lastRun;
    if (last && now.getTime() - Date.parse(last.startedAt) < config.intervalSeconds * 1000) continue;
    due.set(tenant, [...(due.get(tenant) ?? []), repo]);
  }
  return due;
}

/** One tenant's due mirrors, one after another. */
async function runTenant(deps: MirrorDeps, tenant: string, repos: readonly string[], out: MirrorSummary[]): Promise<void> {
  for (const repo of repos) {
    if (deps.shutdown?.aborted) return;
    try {
      out.push(await runMirror(deps, tenant, repo, { actor: 'scheduler' }));
    } catch (e) {
      deps.logger.warn('scheduled mirror run skipped', { tenant, repo, error: String(e) });
    }
  }
}

/** One pass over every due mirror, tenants side by side; resolves when all runs are done. */
export async function runDueMirrors(deps: MirrorDeps, now: Date, opts: { maxTenants?: number } = {}): Promise<MirrorSummary[]> {
  const queue = [...(await dueByTenant(deps, now))];
  const out: MirrorSummary[] = [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await runTenant(deps, next[0], next[1], out);
  };
  const lanes = Math.min(Math.max(1, opts.maxTenants ?? deps.mirrorTenants ?? DEFAULT_MIRROR_TENANTS), queue.length);
  await Promise.all(Array.from({ length: lanes }, worker));
  return out;
}

/** The long-running server's scheduler: ticks never wait for runs. */
export class MirrorScheduler {
  readonly #deps: MirrorDeps;
  readonly #maxTenants: number;
  readonly #busy = new Map<string, Promise<void>>();
  /** When each tenant's last chain started: the longest-waiting tenant gets a free lane first. */
  readonly #lastStarted = new Map<string, number>();
  readonly #onRuns: ((runs: MirrorSummary[]) => void) | undefined;
  #ticking: Promise<void> | null = null;
  #seq = 0;

  constructor(deps: MirrorDeps & { logger: Logger }, opts: { maxTenants?: number; onRuns?: (runs: MirrorSummary[]) => void } = {}) {
    this.#deps = deps;
    this.#maxTenants = Math.max(1, opts.maxTenants ?? deps.mirrorTenants ?? DEFAULT_MIRROR_TENANTS);
    this.#onRuns = opts.onRuns;
  }

  /** Tenants with a chain of runs in progress. */
  get busyTenants(): string[] {
    return [...this.#busy.keys()];
  }

  /** Lists due mirrors and starts chains for idle tenants; resolves once they are started. */
  tick(now: Date): Promise<void> {
    this.#ticking ??= this.#start(now).finally(() => (this.#ticking = null));
    return this.#ticking;
  }

  async #start(now: Date): Promise<void> {
    if (this.#deps.shutdown?.aborted) return;
    const due = [...(await dueByTenant(this.#deps, now))]
      .filter(([tenant]) => !this.#busy.has(tenant))
      .sort(([a], [b]) => (this.#lastStarted.get(a) ?? -1) - (this.#lastStarted.get(b) ?? -1));
    for (const [tenant, repos] of due) {
      if (this.#busy.size >= this.#maxTenants) break;
      this.#lastStarted.set(tenant, this.#seq++);
      const out: MirrorSummary[] = [];
      const chain = runTenant(this.#deps, tenant, repos, out)
        .catch((e: unknown) => this.#deps.logger.error('scheduled mirror runs failed', { tenant, error: String(e) }))
        .finally(() => {
          this.#busy.delete(tenant);
          if (out.length > 0) this.#onRuns?.(out);
        });
      this.#busy.set(tenant, chain);
    }
  }

  /** Resolves when no run started by this scheduler is in progress. */
  async idle(): Promise<void> {
    await this.#ticking;
    while (this.#busy.size > 0) await Promise.all(this.#busy.values());
  }
}
