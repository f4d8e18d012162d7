/**
 * The scheduled trigger: every mirror whose interval has passed since its last run starts a
 * run, one at a time (a host timer calls this; Azure/Workers can call it from their timers).
 * A mirror already running (by hand, or a slow previous tick) is skipped.
 */
import { listAll } from '../storage/blob-store.js';
import { MIRRORS_PREFIX } from '../storage/keys.js';
import { readMirrorConfig, readMirrorState } from '../repo/mirror-config.js';
import { isMirrorRunning, runMirror, type MirrorDeps, type MirrorSummary } from './run.js';

const MARKER = /^mirrors\/([a-z0-9-]+)\/([a-z0-9-]+)\.json$/;

export async function runDueMirrors(deps: MirrorDeps, now: Date): Promise<MirrorSummary[]> {
  const due: { tenant: string; repo: string }[] = [];
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
    due.push({ tenant, repo });
  }
  const out: MirrorSummary[] = [];
  for (const { tenant, repo } of due) {
    try {
      out.push(await runMirror(deps, tenant, repo, { actor: 'scheduler' }));
    } catch (e) {
      deps.logger.warn('scheduled mirror run skipped', { tenant, repo, error: String(e) });
    }
  }
  return out;
}
