// Range requests cannot amplify: whatever the Range header, the answer carries at most the file
// plus a bounded multipart overhead (byte-ranges.ts, nginx's rules), while the ranges dnf,
// `berth sync` (resume) and multi-range clients send keep working.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_RANGES, parseRange } from '../../src/http/byte-ranges.js';
import { bytesSource, serveSource } from '../../src/http/serve-blob.js';
import { makeWorld, publish, syntheticRpm } from '../repo/support.js';
import { appFor } from './serving-app.js';

const SIZE = 10_000;
const file = new Uint8Array(randomBytes(SIZE));
const src = bytesSource(file, '"v1"', new Date(1_700_000_000_000));
const opts = { contentType: 'application/x-rpm', cacheControl: 'public, max-age=60' };

async function get(range: string): Promise<{ status: number; body: Uint8Array; headers: Headers }> {
  const res = await serveSource(new Request('http://x/f', { headers: { range } }), src, opts).catch((e: unknown) => {
    const p = e as { status: number; headers: Record<string, string> };
    return new Response(null, { status: p.status, headers: p.headers });
  });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/** The parts of a multipart/byteranges body: [content-range, bytes]. */
function parts(r: { body: Uint8Array; headers: Headers }): [string, Uint8Array][] {
  const boundary = /boundary=(\S+)/.exec(r.headers.get('content-type') ?? '')?.[1] as string;
  const text = Buffer.from(r.body).toString('latin1');
  return text.split(`--${boundary}`).slice(1, -1).map((p) => {
    const range = /content-range: (.*)\r\n/.exec(p)?.[1] as string;
    return [range, new Uint8Array(Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''), 'latin1'))];
  });
}

describe('range amplification', () => {
  it('64 × "0-" gets the file once (200), not 64 times', async () => {
    const r = await get(`bytes=${Array(64).fill('0-').join(',')}`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(SIZE);
    expect(r.body).toEqual(file);
  });

  it('ranges asking for more bytes than the file holds get the whole file (200)', async () => {
    for (const h of ['bytes=0-,1-', 'bytes=0-6000,4000-9999', 'bytes=-6000,0-5000']) {
      const r = await get(h);
      expect([h, r.status, r.body.length]).toEqual([h, 200, SIZE]);
    }
  });

  it(`more than ${MAX_RANGES} range-specs get the whole file (200)`, async () => {
    const many = Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10}`).join(',');
    const r = await get(`bytes=${many}`);
    expect([r.status, r.body.length]).toEqual([200, SIZE]);
    const ok = await get(`bytes=${Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10}`).join(',')}`);
    expect(ok.status).toBe(206);
    expect(parts(ok)).toHaveLength(MAX_RANGES);
  });

  it('overlapping and adjacent ranges are merged, in ascending order, never repeating a byte', async () => {
    const overlap = await get('bytes=0-99,50-149');
    expect(overlap.status).toBe(206);
    expect(overlap.headers.get('content-range')).toBe(`bytes 0-149/${SIZE}`);
    expect(overlap.body).toEqual(file.slice(0, 150));

    const adjacent = await get('bytes=200-299,100-199');
    expect(adjacent.headers.get('content-range')).toBe(`bytes 100-299/${SIZE}`);
    expect(adjacent.body).toEqual(file.slice(100, 300));

    const mixed = await get('bytes=5000-5099, 0-9, 5050-5199, 10-19');
    expect(mixed.status).toBe(206);
    expect(parts(mixed)).toEqual([
      [`bytes 0-19/${SIZE}`, file.slice(0, 20)],
      [`bytes 5000-5199/${SIZE}`, file.slice(5000, 5200)],
    ]);
    expect(Number(mixed.headers.get('content-length'))).toBe(mixed.body.length);
  });

  it('whatever the header, the body never exceeds the file plus the multipart overhead of the allowed parts', async () => {
    const headers = [
      `bytes=${Array(MAX_RANGES).fill('0-').join(',')}`,
      `bytes=${Array(MAX_RANGES).fill('-1').join(',')}`,
      `bytes=${Array(MAX_RANGES).fill('0-9999').join(',')}`,
      `bytes=${Array.from({ length: MAX_RANGES }, (_, i) => `${i}-${SIZE}`).join(',')}`,
      `bytes=${Array(1000).fill('1-1').join(',')}`,
    ];
    for (const h of headers) {
      const r = await get(h);
      expect(r.body.length, h.slice(0, 40)).toBeLessThanOrEqual(SIZE + MAX_RANGES * 200);
    }
  });

  it('keeps what clients use: resume (bytes=N-), suffix, disjoint multi-range, 416, malformed ignored', async () => {
    const resume = await get('bytes=4000-');
    expect([resume.status, resume.headers.get('content-range')]).toEqual([206, `bytes 4000-9999/${SIZE}`]);
    expect(resume.body).toEqual(file.slice(4000));
    expect((await get('bytes=-10')).body).toEqual(file.slice(-10));
    const multi = await get('bytes=0-3, 100-');
    expect(parts(multi).map(([r]) => r)).toEqual([`bytes 0-3/${SIZE}`, `bytes 100-9999/${SIZE}`]);
    const none = await get(`bytes=${SIZE}-`);
    expect([none.status, none.headers.get('content-range')]).toEqual([416, `bytes */${SIZE}`]);
    expect((await get('bytes=x')).status).toBe(200);
    expect(parseRange('bytes=,', SIZE)).toBeNull();
  });

  it('through the dnf route, anonymously on a public repo', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: true }]);
    const app = await appFor(w);
    const bytes = syntheticRpm('amplify');
    const r = await publish(w, 'open', bytes);
    const url = `http://repo.test/acme/open/${r.body.location}`;
    const res = await app.request(url, { headers: { range: `bytes=${Array(64).fill('0-').join(',')}` } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(bytes.length);
  });
});
