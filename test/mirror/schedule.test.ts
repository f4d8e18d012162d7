// Scheduled runs are fair between tenants and stop at shutdown: tenant A's upstream stalls (it
// sends headers, then nothing, far longer than the test), tenant B's answers at once. B's run
// completes while A's request is still open on the upstream (the upstream's own counter), and
// aborting the shutdown signal ends A's run, whose connection the upstream then sees dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMirrorState } from '../../src/repo/mirror-config.js';
import { MirrorScheduler, runDueMirrors } from '../../src/mirror/schedule.js';
import { startHostile, until, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo } from './worlds.js';

describe('scheduled mirror runs', () => {
  let up: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
    up.set('/stalled/repodata/repomd.xml', { kind: 'stall' });
    serveRepo(up, '/fast', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml([]) }]);
  });
  afterAll(async () => {
    await up?.close();
  });

  const world = async () => {
    // tenant "aaa" is listed (and, one at a time, would be run) before tenant "bbb"
    const w = await mirrorWorld([{ tenant: 'aaa', repo: 'slow' }, { tenant: 'bbb', repo: 'quick' }], ['127.0.0.1'], { idleTimeoutMs: 600_000 });
    await configure(w, 'aaa', 'slow', { from: `${up.url}/stalled/` });
    await configure(w, 'bbb', 'quick', { from: `${up.url}/fast/` });
    return w;
  };

  it('one pass: a tenant with a stalled upstream does not delay another tenant; shutdown ends the stalled run', async () => {
    const w = await world();
    const pass = runDueMirrors(w.deps, w.now.value);
    await until('tenant bbb to be mirrored', () => up.stats('/fast/repodata/primary.xml').requests >= 1);
    await until('the stalled request to be open', () => up.stats('/stalled/repodata/repomd.xml').open === 1);
    let quick = await readMirrorState(w.store, 'bbb', 'quick');
    for (let i = 0; i < 500 && !quick.lastRun; i++) {
      await new Promise((r) => setTimeout(r, 10));
      quick = await readMirrorState(w.store, 'bbb', 'quick');
    }
    expect(quick.lastRun).toMatchObject({ ok: true, outcome: 'updated' });
    // the stalled tenant's request is still open on the upstream: B did not wait for it
    expect(up.stats('/stalled/repodata/repomd.xml').open).toBe(1);

    w.shutdown.abort(new Error('shutting down'));
    const runs = await pass;
    expect(runs.map((r) => [r.tenant, r.ok, r.error?.code ?? null]).sort()).toEqual([['aaa', false, 'mirror_aborted'], ['bbb', true, null]]);
    await until('the stalled connection to be dropped', () => up.stats('/stalled/repodata/repomd.xml').open === 0);
    expect((await readMirrorState(w.store, 'aaa', 'slow')).lastRun).toMatchObject({ ok: false, error: { code: 'mirror_aborted' } });
  });

  it('the server scheduler: a tick returns at once; a busy tenant is skipped, others still start', async () => {
    const w = await world();
    const scheduler = new MirrorScheduler(w.deps, { maxTenants: 2 });
    const before = up.stats('/fast/repodata/repomd.xml').requests;
    await scheduler.tick(w.now.value);
    expect(scheduler.busyTenants.sort()).toEqual(['aaa', 'bbb']);
    await until('bbb to finish', () => !scheduler.busyTenants.includes('bbb'));
    expect(up.stats('/fast/repodata/repomd.xml').requests).toBe(before + 1);
    // a later tick (bbb due again) starts bbb while aaa is still stalled
    w.now.value = new Date(w.now.value.getTime() + 7 * 3600_000);
    await scheduler.tick(w.now.value);
    await until('bbb again', () => up.stats('/fast/repodata/repomd.xml').requests === before + 2);
    expect(scheduler.busyTenants).toContain('aaa');
    w.shutdown.abort(new Error('shutting down'));
    await scheduler.idle();
    expect(scheduler.busyTenants).toEqual([]);
  });
});
