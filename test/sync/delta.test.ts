// berth sync from a Berth repo fetches only the changed members of each metadata file, by Range,
// with the member map Berth serves beside the generation — and the result is byte for byte what a
// whole download gives; a run killed with SIGKILL mid-range resumes; an nginx upstream (not
// Berth) gets whole-file downloads even when DIR remembers a map.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { sync, type SyncSummary } from '../../src/sync/run.js';
import { repoRoot, skipReason, announceSkip } from '../helpers/tools.js';
import { placePackages } from './synth-berth.js';
import { differingRepodata, metadataBytes, repodataOf, startSynthBerth, type SynthBerth } from './synth-server.js';
import { repoProblems, startNginx } from './support.js';

const work = mkdtempSync(join(tmpdir(), 'berth-delta-'));

function expectSameRepodata(a: string, b: string): void {
  expect(differingRepodata(a, b)).toEqual([]);
}

describe('berth sync by ranges from a Berth repo', () => {
  let up: SynthBerth;
  const edge = join(work, 'edge');
  const run = (dir: string, url = up.url): Promise<SyncSummary> => sync({ url, dir, platform: nodePlatform, trustServerKey: true, force: true, retryDelayMs: 1 });
  /** A fresh DIR synced whole from the current generation. */
  const fullCopy = async (name: string): Promise<{ dir: string; summary: SyncSummary }> => {
    const dir = join(work, name);
    await placePackages(dir, up.packages);
    const summary = await run(dir);
    return { dir, summary };
  };

  beforeAll(async () => {
    up = await startSynthBerth(1500, { divisor: 16 });
    await placePackages(edge, up.packages);
    const first = await run(edge);
    expect(first.fetched.metadata).toBe(3);
    expect(first.ranges.files).toBe(0); // nothing to copy from yet
  }, 120_000);
  afterAll(async () => {
    await up?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('after one publish: only the changed members are fetched, and the files equal a whole download', async () => {
    await up.publish(1501, 1502);
    const from = up.requests().length;
    const s = await run(edge);
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    const reqs = up.requests().slice(from);
    const ranged = reqs.filter((r) => r.range !== null);
    expect(ranged.length).toBeGreaterThanOrEqual(3);
    expect(ranged.every((r) => r.status === 206 && r.path.includes('/repodata/'))).toBe(true);
    // no metadata file was fetched whole
    expect(reqs.filter((r) => /\.xml\.(gz|zst)$/.test(r.path) && r.range === null)).toEqual([]);
    const total = metadataBytes(edge);
    expect(s.ranges.fetchedBytes + s.ranges.copiedBytes).toBe(total);
    expect(s.ranges.fetchedBytes).toBeLessThan(total * 0.1);
    expect(repoProblems(edge)).toEqual([]);
    const full = await fullCopy('full-1');
    expect(full.summary.ranges.files).toBe(0);
    expectSameRepodata(edge, full.dir);
  }, 120_000);

  it('after removals and an addition together, still byte-identical to a whole download', async () => {
    await up.remove([10, 700]);
    await up.publish(1502, 1504);
    const s = await run(edge);
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    expect(s.deleted).toBeGreaterThan(0); // the two removed packages' files and the old metadata
    expect(repoProblems(edge)).toEqual([]);
    expectSameRepodata(edge, (await fullCopy('full-2')).dir);
  }, 120_000);

  it('a run killed with SIGKILL in the middle of a range leaves DIR valid and the next run resumes', async () => {
    await up.publish(1504, 1505);
    const before = repodataOf(edge);
    // the first range answer for primary sends half its bytes, then nothing until released
    let stalled: { path: string; range: string; sent: number } | null = null;
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    up.hook = async (req, res) => {
      const range = req.headers.get('range');
      if (stalled || !range || !new URL(req.url).pathname.endsWith('-primary.xml.gz') || res.status !== 206) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      const half = Math.max(1, Math.floor(body.length / 2));
      stalled = { path: new URL(req.url).pathname, range, sent: half };
      return new Response(new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(body.subarray(0, half));
          await gate;
          c.close();
        },
      }), { status: 206, headers: res.headers });
    };
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts'), 'sync', up.url, edge, '--trust-server-key', '--json'], {
      cwd: repoRoot(), stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const partialDir = join(edge, '.berth-sync', 'partial', 'repodata');
    const partialSize = (): number => (existsSync(partialDir) ? readdirSync(partialDir).filter((f) => f.endsWith('-primary.xml.gz')).reduce((a, f) => a + statSync(join(partialDir, f)).size, 0) : 0);
    const deadline = Date.now() + 90_000;
    while (!(stalled && partialSize() > 0) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stalled, `the child never reached the stalled range: ${err}`).not.toBeNull();
    expect(partialSize()).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;
    release();
    up.hook = null;

    // DIR is still the previous, complete repo
    expect(repoProblems(edge)).toEqual([]);
    const now = repodataOf(edge);
    expect(now.get('repomd.xml')?.equals(before.get('repomd.xml') as Buffer)).toBe(true);

    const from = up.requests().length;
    const s = await run(edge);
    // files the killed run had already assembled into staging are reused; primary, stalled
    // half way, is finished by ranges; nothing falls back to a whole download
    expect(s.ranges.fallbacks).toBe(0);
    expect(s.ranges.files).toBeGreaterThanOrEqual(1);
    expect(s.ranges.files + s.reused.metadata).toBeGreaterThanOrEqual(3);
    // primary's interrupted range was asked again from where the partial file ended
    const first = /^bytes=(\d+)-(\d+)$/.exec((stalled as unknown as { range: string }).range);
    const again = up.requests().slice(from).filter((r) => r.path === (stalled as unknown as { path: string }).path && r.range !== null);
    expect(first && again.length > 0).toBeTruthy();
    const resumedAt = Number(/^bytes=(\d+)-/.exec(again[0]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(Number(first?.[1]));
    expect(repoProblems(edge)).toEqual([]);
    expectSameRepodata(edge, (await fullCopy('full-3')).dir);
  }, 180_000);

  const reason = skipReason({ tools: ['nginx'] });
  announceSkip('delta sync against nginx', reason);
  it.skipIf(reason !== null)('an nginx upstream gets whole-file downloads, even with the map beside the files', async () => {
    await up.publish(1505, 1506);
    const full = await fullCopy('full-4');
    // nginx serves the same generation, map included; DIR remembers the previous map
    const root = join(work, 'nginx-root');
    cpSync(full.dir, root, { recursive: true, filter: (src) => !src.includes('.berth-sync') });
    const repomd = readFileSync(join(root, 'repodata', 'repomd.xml'));
    const mapName = `${createHash('sha256').update(repomd).digest('hex')}-members.json`;
    const map = await fetch(`${up.url}/repodata/${mapName}`);
    expect(map.status).toBe(200);
    writeFileSync(join(root, 'repodata', mapName), Buffer.from(await map.arrayBuffer()));
    const nginx = await startNginx(root, work);
    try {
      const s = await run(edge, nginx.url);
      expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
      expect(s.fetched.metadata).toBe(3);
      const reqs = nginx.requests();
      expect(reqs.filter((r) => r.path.includes('/repodata/') && r.range !== null)).toEqual([]);
      expect(reqs.filter((r) => r.path.endsWith('-members.json'))).toEqual([]);
      expect(repoProblems(edge)).toEqual([]);
      expectSameRepodata(edge, full.dir);
    } finally {
      await nginx.stop();
    }
  }, 120_000);
});
