// A complete mirror of a Berth upstream fetches only the changed members of each metadata file by
// Range (the member map Berth serves beside each generation), assembling the rest from the files
// the last run stored — and stores byte for byte what a fresh mirror downloading whole files
// stores. Counted at both ends: the summary's own counters and the bytes the upstream's sockets
// wrote. After every run the mirror's repo is what an appliance can copy and check.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { memberMapName } from '../../src/core/repodata/members.js';
import { repodataKey } from '../../src/storage/keys.js';
import { sync } from '../../src/sync/run.js';
import { repoProblems, startNginx } from '../sync/support.js';
import { dnfWithRepoFile, disposeDnfWork } from '../helpers/dnf.js';
import { announceSkip, findTool, isRoot, skipReason } from '../helpers/tools.js';
import { startSynthBerth, type SynthBerth } from '../sync/synth-server.js';
import { berthMirror, servedCopy, storedMetadata, type BerthMirror } from './berth-upstream.js';
import { sha256 } from './worlds.js';

const work = mkdtempSync(join(tmpdir(), 'berth-mirror-delta-'));

/** Sum of the sizes of the metadata files (not repomd.xml). */
const metadataSize = (files: Map<string, Buffer>): number => [...files].filter(([n]) => n !== 'repomd.xml').reduce((a, [, b]) => a + b.length, 0);

describe('a complete mirror of a Berth upstream fetches only the changed members', () => {
  let up: SynthBerth;
  let m: BerthMirror;

  beforeAll(async () => {
    up = await startSynthBerth(600, { divisor: 16, rpms: true });
    m = await berthMirror(['edge', 'fresh', 'fresh2', 'nx']);
    await m.add('edge', up.url);
    const first = await m.run('edge');
    expect(first, JSON.stringify(first.error)).toMatchObject({ ok: true, outcome: 'updated', packages: { added: 600 } });
    expect(first.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 }); // nothing stored to copy from yet
  }, 180_000);
  afterAll(async () => {
    await m?.stop();
    await up?.stop();
    disposeDnfWork(work);
  });

  it('after one publish: ranges only, byte-identical to a fresh whole mirror, a fraction of the bytes', async () => {
    await up.publish(601, 602);
    const reqs0 = up.requests().length;
    const sent0 = up.sentBytes();
    const s = await m.run('edge');
    await new Promise((r) => setTimeout(r, 50)); // the last answers' 'finish' events count their bytes
    const sent = up.sentBytes() - sent0;
    expect(s, JSON.stringify(s.error)).toMatchObject({ ok: true, outcome: 'updated', packages: { added: 1, fetched: 1 } });
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    const reqs = up.requests().slice(reqs0);
    const metadata = reqs.filter((r) => /-(primary|filelists|other)\.xml\.(gz|zst)$/.test(r.path));
    // every metadata request was a range answered 206; none fetched a file whole
    expect(metadata.length).toBeGreaterThanOrEqual(3);
    expect(metadata.every((r) => r.range !== null && r.status === 206)).toBe(true);

    const mine = await storedMetadata(m.w, 'edge');
    const total = metadataSize(mine);
    expect(s.ranges.fetchedBytes + s.ranges.copiedBytes).toBe(total);
    expect(s.ranges.fetchedBytes).toBeLessThan(total * 0.1);
    // everything the upstream's sockets wrote for this run (headers, repomd.xml, .asc, map, the new package)
    expect(sent).toBeLessThan(total * 0.25);

    await m.add('fresh', up.url);
    const whole = await m.run('fresh');
    expect(whole.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
    const theirs = await storedMetadata(m.w, 'fresh');
    expect([...mine.keys()]).toEqual([...theirs.keys()]);
    for (const [name, bytes] of mine) expect(bytes.equals(theirs.get(name) as Buffer), name).toBe(true);
    expect(s.ranges.fetchedBytes).toBeLessThan(whole.bytes / 10);

    const copy = await servedCopy(m, 'edge', join(work, 'copy-1'));
    expect(copy.problems).toEqual([]);
    expect(copy.summary.fetched.packages).toBe(601);
  }, 180_000);

  const noDnf = findTool('dnf') === null ? 'dnf not installed' : isRoot() ? null : 'needs root (dnf --installroot)';
  announceSkip('dnf reading a mirror made by ranges', noDnf);
  it.skipIf(noDnf !== null)('dnf reads the mirror made by ranges, its repomd.xml verified with upstream\'s key', async () => {
    const key = join(work, 'upstream.key');
    writeFileSync(key, Buffer.from(await (await fetch(`${up.url}/repodata/repomd.xml.key`)).arrayBuffer()));
    // the synthetic packages are unsigned: only the metadata signature is checked
    const c = dnfWithRepoFile(join(work, 'dnf'), 'mirror', ['[mirror]', 'name=mirror', `baseurl=${m.url}/acme/edge/`, 'enabled=1', 'gpgcheck=0',
      'repo_gpgcheck=1', `gpgkey=file://${key}`, 'metadata_expire=0', ''].join('\n'));
    const mc = await c.dnf(['makecache']);
    expect(mc.code, mc.stderr).toBe(0);
    const q = await c.dnf(['repoquery', '--qf', '%{name}', 'bench-pkg-000601']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toContain('bench-pkg-000601');
  }, 120_000);

  it('serves the member map beside upstream\'s repomd.xml, so its own clients fetch by ranges too', async () => {
    const dir = join(work, 'appliance');
    const first = await servedCopy(m, 'edge', dir);
    expect(first.problems).toEqual([]);
    await up.publish(602, 603);
    expect((await m.run('edge')).ranges).toMatchObject({ files: 3, fallbacks: 0 });
    const s = await sync({ url: `${m.url}/acme/edge`, dir, platform: nodePlatform, noVerify: true, retryDelayMs: 1 });
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    expect(repoProblems(dir)).toEqual([]);
  }, 180_000);

  it('without the map it stored (an earlier version kept none), upstream\'s map of the previous generation is asked', async () => {
    const gen = (await storedMetadata(m.w, 'edge')).get('repomd.xml') as Buffer;
    expect(await m.w.store.delete(repodataKey('acme', 'edge', memberMapName(sha256(gen))))).toBe(true);
    await up.publish(603, 604);
    const reqs0 = up.requests().length;
    const s = await m.run('edge');
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    expect(up.requests().slice(reqs0).filter((r) => r.path.endsWith(`/repodata/${memberMapName(sha256(gen))}`))).toHaveLength(1);
    const copy = await servedCopy(m, 'edge', join(work, 'copy-3'));
    expect(copy.problems).toEqual([]);
    await m.add('fresh2', up.url);
    await m.run('fresh2');
    const [mine, theirs] = [await storedMetadata(m.w, 'edge'), await storedMetadata(m.w, 'fresh2')];
    for (const [name, bytes] of mine) expect(bytes.equals(theirs.get(name) as Buffer), name).toBe(true);
  }, 180_000);

  const noNginx = skipReason({ tools: ['nginx'] });
  announceSkip('mirror of nginx with a member map beside the files', noNginx);
  it.skipIf(noNginx !== null)('an upstream that is not Berth (nginx) gets whole-file downloads and no range request, map or not', async () => {
    // nginx serves a copy of the Berth repo, member map included
    const root = join(work, 'nginx-root');
    const copy = async (): Promise<void> => {
      await sync({ url: up.url, dir: root, platform: nodePlatform, noVerify: true, force: true, retryDelayMs: 1 });
      const repomd = readFileSync(join(root, 'repodata', 'repomd.xml'));
      const map = await fetch(`${up.url}/repodata/${memberMapName(sha256(repomd))}`);
      expect(map.status).toBe(200);
      writeFileSync(join(root, 'repodata', memberMapName(sha256(repomd))), Buffer.from(await map.arrayBuffer()));
    };
    await copy();
    const nginx = await startNginx(root, work);
    try {
      await m.add('nx', nginx.url);
      expect((await m.run('nx')).ok).toBe(true);
      await up.publish(604, 605);
      await copy();
      const s = await m.run('nx');
      expect(s, JSON.stringify(s.error)).toMatchObject({ ok: true, outcome: 'updated', metadataFiles: 3 });
      expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
      const reqs = nginx.requests();
      expect(reqs.filter((r) => r.range !== null)).toEqual([]);
      expect(reqs.filter((r) => r.path.endsWith('-members.json'))).toEqual([]);
      expect(reqs.filter((r) => /-(primary|filelists|other)\.xml\.(gz|zst)$/.test(r.path) && r.status === 200)).toHaveLength(6);
      const dir = join(work, 'copy-nx');
      const served = await servedCopy(m, 'nx', dir);
      expect(served.problems).toEqual([]);
    } finally {
      await nginx.stop();
    }
  }, 180_000);
});
