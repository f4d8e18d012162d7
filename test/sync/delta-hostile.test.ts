// The member map and the range answers are hostile input: a map that does not describe the file,
// is not a map, or is larger than a document may be, and a server that ignores ranges, answers
// other bytes or more bytes than asked — each ends in a whole-file download and a DIR that is a
// valid copy of the generation, never in a wrong file or an aborted sync. Bounds are proved by
// counting the bytes the client read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { sync, type SyncOptions, type SyncSummary } from '../../src/sync/run.js';
import { placePackages } from './synth-berth.js';
import { differingRepodata, metadataBytes, startSynthBerth, type Hook, type SynthBerth } from './synth-server.js';
import { repoProblems } from './support.js';

const work = mkdtempSync(join(tmpdir(), 'berth-delta-hostile-'));

const isMap = (req: Request): boolean => new URL(req.url).pathname.endsWith('-members.json');
const isRangedMetadata = (req: Request): boolean => req.headers.get('range') !== null && /\.xml\.(gz|zst)$/.test(new URL(req.url).pathname);

describe('delta sync against hostile maps and range answers', () => {
  let up: SynthBerth;
  let next = 1201;
  const edge = join(work, 'edge');
  const run = (extra: Partial<SyncOptions> = {}): Promise<SyncSummary> =>
    sync({ url: up.url, dir: edge, platform: nodePlatform, trustServerKey: true, force: true, retryDelayMs: 1, attempts: 2, ...extra });
  /** One more package published, then a sync with `hook` in place; DIR must end a valid copy equal to a whole download. */
  const syncWith = async (hook: Hook, extra: Partial<SyncOptions> = {}): Promise<SyncSummary> => {
    await up.publish(next, next + 1);
    next++;
    up.hook = hook;
    let s: SyncSummary;
    try {
      s = await run(extra);
    } finally {
      up.hook = null;
    }
    expect(repoProblems(edge)).toEqual([]);
    const full = join(work, `full-${next}`);
    await placePackages(full, up.packages);
    await sync({ url: up.url, dir: full, platform: nodePlatform, trustServerKey: true, force: true });
    expect(differingRepodata(edge, full)).toEqual([]);
    return s;
  };

  beforeAll(async () => {
    up = await startSynthBerth(1200, { divisor: 16 });
    await placePackages(edge, up.packages);
    await run();
  }, 120_000);
  beforeEach(() => {
    up.hook = null;
  });
  afterAll(async () => {
    await up?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a map that claims unchanged members where the bytes changed: the assembled file fails its checksum, whole download', async () => {
    const old = (JSON.parse(readFileSync(join(edge, '.berth-sync', 'state.json'), 'utf8')) as { members: Record<string, { href: string; members: { size: number; id: string }[] }> }).members;
    const s = await syncWith(async (req, res) => {
      if (!isMap(req)) return res;
      const map = (await res.json()) as { format: string; files: { href: string; size: number; members: [number, number, string][] }[] };
      // each file: the old file's members (ids and sizes) as far as they fit, then one "new" member
      for (const f of map.files) {
        const before = Object.values(old).find((o) => o.href.split('-').pop() === f.href.split('-').pop());
        const members: [number, number, string][] = [];
        let at = 0;
        for (const m of before?.members ?? []) {
          if (at + m.size >= f.size) break;
          members.push([at, m.size, m.id]);
          at += m.size;
        }
        members.push([at, f.size - at, 'f'.repeat(32)]);
        f.members = members;
      }
      return Response.json(map);
    });
    expect(s.ranges.fallbacks).toBe(3);
    expect(s.ranges.files).toBe(0);
    expect(s.fetched.metadata).toBe(3);
  }, 120_000);

  it('a map that is not JSON, or not a map, is ignored: whole downloads, no ranges asked', async () => {
    for (const body of ['{"format":"berth-members-1","files":[', '{"format":"berth-members-1","files":[{"href":"repodata/x","size":5,"members":[[0,2,"abababab"],[3,2,"abababab"]]}]}']) {
      const from = up.requests().length;
      const s = await syncWith((req, res) => (isMap(req) ? new Response(body, { headers: { 'content-type': 'application/json' } }) : res));
      expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
      expect(up.requests().slice(from).filter((r) => r.range !== null)).toEqual([]);
    }
  }, 120_000);

  it('after a run without a usable map, the next run finds the old files\' members in the previous generation\'s map', async () => {
    const state = JSON.parse(readFileSync(join(edge, '.berth-sync', 'state.json'), 'utf8')) as { members: Record<string, unknown> };
    expect(state.members).toEqual({}); // the last run had no map
    const from = up.requests().length;
    const s = await syncWith((_req, res) => res);
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
    // DIR asked for the new map and the previous generation's; the whole copy made to compare with, for the new one
    expect(up.requests().slice(from).filter((r) => r.path.endsWith('-members.json')).length).toBe(3);
  }, 120_000);

  it('a map larger than a document may be is not read past the limit', async () => {
    const limit = 64 * 1024;
    const huge = 8 * 1024 * 1024;
    const s = await syncWith((req, res) => {
      if (!isMap(req)) return res;
      let sent = 0;
      return new Response(new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= huge) return c.close();
          const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
          sent += chunk.length;
          c.enqueue(chunk);
        },
      }), { headers: { 'content-type': 'application/json' } });
    }, { limits: { maxDocumentBytes: limit } });
    expect(s.ranges.files).toBe(0);
    // every byte the client read: the documents, the whole metadata files, and at most the
    // document limit (plus one chunk in flight) of the map
    expect(s.bytes).toBeLessThan(metadataBytes(edge) + 4 * limit + 256 * 1024);
    expect(s.bytes).toBeLessThan(huge / 4);
  }, 120_000);

  it('a server that answers ranges with the whole file: whole downloads', async () => {
    const s = await syncWith(async (req, res) => {
      if (!isRangedMetadata(req)) return res;
      await res.body?.cancel();
      return fetch(req.url); // the same file, no Range: a 200 with every byte
    });
    expect(s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
  }, 120_000);

  it('a range answer for other bytes than asked: whole downloads', async () => {
    const s = await syncWith((req, res) => {
      if (!isRangedMetadata(req) || res.status !== 206) return res;
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      const headers = new Headers(res.headers);
      headers.set('content-range', `bytes ${Number(m?.[1]) + 1}-${Number(m?.[2]) + 1}/${m?.[3]}`);
      return new Response(res.body, { status: 206, headers });
    });
    expect(s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
  }, 120_000);

  it('a range answer longer than asked is not read past the span: whole downloads', async () => {
    let extra = 0;
    const s = await syncWith(async (req, res) => {
      if (!isRangedMetadata(req) || res.status !== 206) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      const tail = new Uint8Array(4 * 1024 * 1024);
      extra += tail.length;
      return new Response(new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(body);
          for (let k = 0; k < tail.length; k += 64 * 1024) c.enqueue(tail.subarray(k, k + 64 * 1024));
          c.close();
        },
      }), { status: 206, headers });
    });
    expect(s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
    expect(extra).toBeGreaterThan(0);
    // 3 × 4 MiB were offered past the spans; the client read at most a chunk past each
    expect(s.bytes).toBeLessThan(metadataBytes(edge) * 2 + 3 * 256 * 1024);
  }, 120_000);

  it('a state file edited to point outside DIR is not followed: whole downloads', async () => {
    const state = join(edge, '.berth-sync', 'state.json');
    const doc = JSON.parse(readFileSync(state, 'utf8')) as { members: Record<string, { href: string }>; metadata: string[]; repomdSha256: string };
    for (const m of Object.values(doc.members)) m.href = '../../etc/passwd';
    doc.metadata.push('../../etc/passwd');
    doc.repomdSha256 = '0'.repeat(64); // and no previous generation's map to fall back on
    writeFileSync(state, JSON.stringify(doc));
    const s = await syncWith((_req, res) => res);
    expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
    // and the next run has a sound map again
    const again = await syncWith((_req, res) => res);
    expect(again.ranges).toMatchObject({ files: 3, fallbacks: 0 });
  }, 120_000);
});
