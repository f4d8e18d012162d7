// A complete mirror of a Berth upstream that misbehaves on the delta path: a member map that lies
// (fits repomd.xml, leads to other bytes), one that is no map, a 200 to a range request, a 206 for
// other bytes (named as such, or disguised as the bytes asked for), a range answer that goes on
// past its span or stops short. Each ends in a whole download of the file — never in a wrong one —
// and what was read of the bad answers is counted: a 200 or a 206 naming other bytes is not read
// at all, an overlong body is cut off at its span.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberMapName, parseMemberMap, type FileMembers } from '../../src/core/repodata/members.js';
import type { MirrorSummary } from '../../src/mirror/run.js';
import { repodataKey } from '../../src/storage/keys.js';
import { startSynthBerth, type Hook, type SynthBerth } from '../sync/synth-server.js';
import { berthMirror, storedMetadata, type BerthMirror } from './berth-upstream.js';
import { sha256 } from './worlds.js';

const METADATA = /-(primary|filelists|other)\.xml\.(gz|zst)$/;

describe('a complete mirror of a hostile Berth upstream falls back to whole files', () => {
  let up: SynthBerth;
  let m: BerthMirror;
  let next = 301;

  /** Publishes one package upstream, runs the mirror with `hook` answering, then checks what it stored. */
  const roundWith = async (hook: Hook | null, prepare?: () => Promise<void>): Promise<{ s: MirrorSummary; ranged: number }> => {
    await up.publish(next, next + 1);
    next++;
    await prepare?.();
    const reqs0 = up.requests().length;
    up.hook = hook;
    let s: MirrorSummary;
    try {
      s = await m.run('edge');
    } finally {
      up.hook = null;
    }
    expect(s, JSON.stringify(s.error)).toMatchObject({ ok: true, outcome: 'updated' });
    // what the mirror stores is upstream's files, byte for byte
    for (const [name, bytes] of await storedMetadata(m.w, 'edge')) {
      if (name === 'repomd.xml') continue;
      const theirs = Buffer.from(await (await fetch(`${up.url}/repodata/${name}`)).arrayBuffer());
      expect(bytes.equals(theirs), name).toBe(true);
    }
    const ranged = up.requests().slice(reqs0).filter((r) => METADATA.test(r.path) && r.range !== null).length;
    return { s, ranged };
  };
  /** A ranged request for a metadata file (the ones the hooks below answer badly). */
  const rangedMetadata = (req: Request): boolean => req.headers.get('range') !== null && METADATA.test(new URL(req.url).pathname);
  const whole = async (req: Request): Promise<ArrayBuffer> => (await fetch(req.url)).arrayBuffer();

  beforeAll(async () => {
    up = await startSynthBerth(300, { divisor: 16, rpms: true });
    m = await berthMirror(['edge']);
    await m.add('edge', up.url);
    expect((await m.run('edge')).ok).toBe(true);
    // a well-behaved round first: the mirror holds a map of what it stores
    const { s } = await roundWith(null);
    expect(s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
  }, 180_000);
  afterAll(async () => {
    await m?.stop();
    await up?.stop();
  });

  it('a 200 to a range request is not read: whole downloads instead', async () => {
    const { s, ranged } = await roundWith(async (req, res) => (rangedMetadata(req) ? new Response(await whole(req), { status: 200 }) : res));
    expect(ranged).toBe(3);
    expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 3 });
  }, 120_000);

  it('a 206 for other bytes than asked is not read: whole downloads instead', async () => {
    const { s } = await roundWith(async (req, res) => {
      if (!rangedMetadata(req) || res.status !== 206) return res;
      const m2 = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      const headers = new Headers(res.headers);
      headers.set('content-range', `bytes ${Number(m2?.[1]) + 1}-${Number(m2?.[2]) + 1}/${m2?.[3]}`);
      return new Response(res.body, { status: 206, headers });
    });
    expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 3 });
  }, 120_000);

  it('a range answer longer than its span is cut off there; one that stops short is not used', async () => {
    const asked: number[] = [];
    const extra = 4 * 1024 * 1024;
    const { s } = await roundWith(async (req, res) => {
      if (!rangedMetadata(req) || res.status !== 206) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      asked.push(body.length);
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      // a stream: no Content-Length for the server to set (one that disagrees is refused unread)
      let sent = -1;
      const long = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent < 0) c.enqueue(body);
          else if (sent < extra) c.enqueue(new Uint8Array(64 * 1024));
          else c.close();
          sent = Math.max(0, sent) + (sent < 0 ? 0 : 64 * 1024);
        },
      });
      return new Response(long, { status: 206, headers });
    });
    expect(s.ranges).toMatchObject({ files: 0, copiedBytes: 0, fallbacks: 3 });
    expect(asked).toHaveLength(3);
    // read: each span and at most one chunk past it, of the 3 × 4 MiB offered
    expect(s.ranges.fetchedBytes).toBeGreaterThanOrEqual(asked.reduce((a, b) => a + b, 0));
    expect(s.ranges.fetchedBytes).toBeLessThan(asked.reduce((a, b) => a + b, 0) + 3 * 256 * 1024);

    const short = await roundWith(async (req, res) => {
      if (!rangedMetadata(req) || res.status !== 206) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      const half = body.subarray(0, Math.floor(body.length / 2));
      return new Response(new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(half); c.close(); } }), { status: 206, headers });
    });
    expect(short.s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
  }, 120_000);

  it('a 206 that names the bytes asked for but carries others: the assembled file is refused and fetched whole', async () => {
    const { s } = await roundWith(async (req, res) => {
      if (!rangedMetadata(req) || res.status !== 206) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      for (let k = 0; k < body.length; k++) body[k] = (body[k] as number) ^ 0xff;
      return new Response(body, { status: 206, headers: res.headers });
    });
    expect(s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
    expect(s.ranges.fetchedBytes).toBeGreaterThan(0);
  }, 120_000);

  it('a map that fits repomd.xml but leads to other bytes: the assembled file is refused, fetched whole, and the map not kept', async () => {
    // the lie: the new files are the old ones' members, reordered, with only the last one new (grown to fit)
    let oldMap: FileMembers[] = [];
    let lieName = '';
    const { s } = await roundWith(async (req, res) => {
      if (!new URL(req.url).pathname.endsWith(lieName)) return res;
      const real = parseMemberMap(new Uint8Array(await res.arrayBuffer()));
      const files = real.map((f) => {
        const was = oldMap.find((o) => o.type === f.type) as FileMembers;
        // all but the last old member, the first two swapped (so the lie never happens to be true)
        const [a, b, ...rest] = was.members.slice(0, -1);
        const kept = [b, a, ...rest] as FileMembers['members'];
        const wire: [number, number, string][] = [];
        let at = 0;
        for (const x of kept) {
          wire.push([at, x.size, x.id]);
          at += x.size;
        }
        expect(at).toBeLessThan(f.size);
        return { href: f.href, type: f.type, size: f.size, members: [...wire, [at, f.size - at, 'f'.repeat(16)]] };
      });
      return new Response(JSON.stringify({ format: 'berth-members-1', files }), { status: 200, headers: { 'content-type': 'application/json' } });
    }, async () => {
      const stored = await storedMetadata(m.w, 'edge');
      const before = stored.get('repomd.xml') as Buffer;
      oldMap = parseMemberMap(new Uint8Array(await (await fetch(`${up.url}/repodata/${memberMapName(sha256(before))}`)).arrayBuffer()));
      const now = Buffer.from(await (await fetch(`${up.url}/repodata/repomd.xml`)).arrayBuffer());
      lieName = `/repodata/${memberMapName(sha256(now))}`;
    });
    expect(s.ranges).toMatchObject({ files: 0, fallbacks: 3 });
    expect(s.ranges.fetchedBytes).toBeGreaterThan(0);
    // no map is kept for the generation the lie came with; the next run asks upstream's instead
    const repomd = (await storedMetadata(m.w, 'edge')).get('repomd.xml') as Buffer;
    expect(await m.w.store.head(repodataKey('acme', 'edge', memberMapName(sha256(repomd))))).toBeNull();
    const after = await roundWith(null);
    expect(after.s.ranges).toMatchObject({ files: 3, fallbacks: 0 });
  }, 120_000);

  it('a map that is no map: no range is asked, the files are downloaded whole', async () => {
    const { s, ranged } = await roundWith((req, res) =>
      (new URL(req.url).pathname.endsWith('-members.json') ? new Response('{"format":"berth-members-1","files":[{"href":"x"', { status: 200 }) : res));
    expect(ranged).toBe(0);
    expect(s.ranges).toEqual({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });
    expect(s.metadataFiles).toBe(3);
  }, 120_000);
});
