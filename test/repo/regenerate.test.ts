import { describe, expect, it } from 'vitest';
import { CoalescingSink } from '../../src/repo/coalescing-sink.js';
import { readCurrent, readGenerationAt } from '../../src/repo/generations.js';
import { readIndex } from '../../src/repo/index-store.js';
import { readFragmentFile, writeFragmentFile } from '../../src/repo/package-fragments.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { makeWorld, memoryLogger, publish, secondInstance, servedPrimary, syntheticRpm, verifyGenerations } from './support.js';

describe('regenerate', () => {
  it('builds repomd with revision and timestamp of the index, and stops when current', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    w.now.value = new Date('2030-01-02T03:04:05Z');
    await publish(w, 'open', syntheticRpm('zeta'));
    await publish(w, 'open', syntheticRpm('alpha'));
    await w.sink.idle();
    const { index } = await readIndex(w.store, 'acme', 'open');
    const primary = await servedPrimary(w.store, 'acme', 'open');
    expect(primary.packages.map((p) => p.name)).toEqual(['alpha', 'zeta']); // createrepo_c order
    const cur = (await readCurrent(w.store, 'acme', 'open'))!.value;
    const rec = (await readGenerationAt(w.store, cur.generation))!;
    expect(cur.revision).toBe(index.revision);
    expect(rec.repomd.match(/<timestamp>(\d+)<\/timestamp>/g)).toEqual(Array(3).fill(`<timestamp>${index.updatedAt}</timestamp>`));
    expect(index.updatedAt).toBe(Date.parse('2030-01-02T03:04:05Z') / 1000);
    expect(await regenerate(w.deps, storeTenancy, 'acme', 'open')).toMatchObject({ outcome: 'up-to-date', revision: index.revision });
    expect(await verifyGenerations(w, 'open')).toBeGreaterThanOrEqual(1);
  });

  it('an empty repo gets an empty, signed generation', async () => {
    const w = await makeWorld([{ name: 'empty' }]);
    expect(await regenerate(w.deps, storeTenancy, 'acme', 'empty')).toMatchObject({ outcome: 'built', revision: 0 });
    expect(await servedPrimary(w.store, 'acme', 'empty')).toMatchObject({ declared: 0, packages: [] });
    expect(await verifyGenerations(w, 'empty')).toBe(1);
  });

  it('rebuilds a fragment that does not match its index entry from the package blob', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    const r = await publish(w, 'open', syntheticRpm('gamma'));
    await w.sink.idle();
    const frag = (await readFragmentFile(w.store, 'acme', 'open', r.body.sha256))!;
    await writeFragmentFile(w.store, 'acme', 'open', { ...frag, addedAt: 1, primary: frag.primary.replace(String(r.body.addedAt), '1') });
    await publish(w, 'open', syntheticRpm('delta'));
    await w.sink.idle();
    const gamma = (await servedPrimary(w.store, 'acme', 'open')).packages.find((p) => p.name === 'gamma');
    expect(gamma?.time).toBe(String(r.body.addedAt));
    expect((await readFragmentFile(w.store, 'acme', 'open', r.body.sha256))!.addedAt).toBe(r.body.addedAt);
  });

  it('two consumers racing over 100 publishes lose nothing, and every generation is signed', async () => {
    const a = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    // a second instance on the same store with its own coalescing sink
    const b = secondInstance(a, { window: 4 });
    const names = Array.from({ length: 100 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    // two waves, so at least two generations exist however the event loop interleaves them
    for (const wave of [names.slice(0, 50), names.slice(50)]) {
      await Promise.all(wave.map((n) => publish(names.indexOf(n) % 2 === 0 ? a : b, 'open', syntheticRpm(n))));
      await Promise.all([a.sink.idle(), b.sink.idle()]);
    }
    const primary = await servedPrimary(a.store, 'acme', 'open');
    expect(primary.revision).toBe(String((await readIndex(a.store, 'acme', 'open')).index.revision));
    expect(primary.packages.map((p) => p.name)).toEqual(names);
    expect([...a.logger.lines, ...b.logger.lines].filter((l) => l.level !== 'info')).toEqual([]);
    expect(await verifyGenerations(a, 'open')).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe('CoalescingSink', () => {
  it('runs one regeneration per repo at a time, coalesces a burst, and retries a failure once', async () => {
    const logger = memoryLogger();
    let running = 0;
    let maxRunning = 0;
    const runs: string[] = [];
    let failNext = 1;
    const sink = new CoalescingSink(async (t, r) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((res) => setTimeout(res, 5));
      running--;
      runs.push(`${t}/${r}`);
      if (failNext-- > 0) throw new Error('boom');
    }, logger);
    for (let i = 0; i < 20; i++) await sink.send({ tenant: 't', repo: 'r', revision: i });
    await sink.send({ tenant: 't', repo: 'other', revision: 1 });
    await sink.idle();
    expect(maxRunning).toBeLessThanOrEqual(2); // two repos may overlap, one repo never does
    expect(runs.filter((x) => x === 't/r').length).toBeLessThanOrEqual(3);
    expect(runs.filter((x) => x === 't/other')).toHaveLength(1);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(sink.pending).toEqual([]);
  });
});
