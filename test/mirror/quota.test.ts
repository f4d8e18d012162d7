// Mirror runs and the tenant's storage quota: a run whose new packages would take the tenant past
// its quota stops before downloading any (quota_exceeded, nothing published); bytes the tenant
// already holds cost nothing; a quota reached during the run (a publish meanwhile) stops it at the
// package that would pass it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMirror } from '../../src/mirror/run.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { updateTenantLimits } from '../../src/repo/tenant-limits.js';
import { readUsage } from '../../src/repo/usage.js';
import { publish, syntheticRpm } from '../repo/support.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo, type UpPackage } from './worlds.js';

describe('mirror runs and the tenant quota', () => {
  let up: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
  });
  afterAll(async () => {
    await up?.close();
  });
  const upstream = (prefix: string, names: string[]): UpPackage[] => {
    const pkgs = names.map((n) => ({ name: n, bytes: syntheticRpm(n), href: `Packages/${n}-1.0-1.noarch.rpm` }));
    serveRepo(up, prefix, [{ type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) }], pkgs);
    return pkgs;
  };
  const fetched = (prefix: string, pkgs: readonly UpPackage[]): number => pkgs.reduce((n, p) => n + up.stats(`${prefix}/${p.href}`).requests, 0);

  it('stops before downloading when the new packages would pass the quota (the tenant\'s own or the server\'s); fits once raised', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1']);
    const pkgs = upstream('/q1', ['qa', 'qb', 'qc']);
    const total = pkgs.reduce((n, p) => n + p.bytes.length, 0);
    await configure(w, 'acme', 'm', { from: `${up.url}/q1/` });
    w.deps.config.tenantQuotaBytes = total - 1;
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: false, error: { code: 'quota_exceeded', details: { quotaBytes: total - 1, usedBytes: 0, requestBytes: total } } });
    expect(s.error?.detail).toMatch(/mirroring 3 new packages of acme\/m would store \d+ bytes; nothing was downloaded/);
    expect(fetched('/q1', pkgs)).toBe(0);
    expect(await readUsage(w.store, 'acme')).toEqual({ bytes: 0, packages: 0 });
    expect(await currentGeneration(w.store, 'acme', 'm')).toBeNull();

    // the tenant's own quota replaces the server's
    await updateTenantLimits(w.store, 'acme', { quotaBytes: total });
    const ok = await runMirror(w.deps, 'acme', 'm');
    expect(ok).toMatchObject({ ok: true, outcome: 'updated', packages: { fetched: 3 } });
    expect(await readUsage(w.store, 'acme')).toEqual({ bytes: total, packages: 3 });
  });

  it('bytes the tenant already holds cost nothing; a publish during the run stops it at the package that would pass', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }, { tenant: 'acme', repo: 'p' }], ['127.0.0.1']);
    const pkgs = upstream('/q2', ['ra', 'rb']);
    const [a, b] = pkgs.map((p) => p.bytes.length) as [number, number];
    await publish(w, 'p', pkgs[0]!.bytes);
    await configure(w, 'acme', 'm', { from: `${up.url}/q2/`, concurrency: 1 } as never);
    // ra is held already: only rb's bytes count
    w.deps.config.tenantQuotaBytes = a + b;
    // … but a publish lands between the check and rb's download
    const other = syntheticRpm('meanwhile');
    let published = false;
    const head = w.store.head.bind(w.store);
    w.store.head = async (key) => {
      if (!published && key.includes('/blobs/') && up.stats(`/q2/${pkgs[1]!.href}`).requests > 0) {
        published = true;
        w.deps.config.tenantQuotaBytes = null; // the publish itself is not what is tested here
        await publish(w, 'p', other);
      }
      return head(key);
    };
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(published).toBe(true);
    expect(s).toMatchObject({ ok: false, error: { code: 'quota_exceeded' } });
    expect(s.error?.detail).toContain('rb-1.0-1.noarch');
    expect(await readUsage(w.store, 'acme')).toMatchObject({ bytes: a + other.length, packages: 2 });
    expect(await currentGeneration(w.store, 'acme', 'm')).toBeNull();
    await w.sink.idle();
  });
});
