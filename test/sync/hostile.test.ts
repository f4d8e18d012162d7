// berth sync against a hostile source (node:http on 127.0.0.1, sync in-process with a counting
// transport): downloads stop at the size the metadata declares, documents at their limit, a drip at
// the idle timeout, an unclosed element at its bound — each bounded by the bytes the client read
// (the transport's own counter), not by time. And a source whose changes feed lies cannot make DIR
// hold a primary.xml that names a file DIR lacks.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import type { Transport } from '../../src/net/outbound.js';
import { sync, type SyncOptions } from '../../src/sync/run.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { primaryXml, repomdXml, serveRepo, type UpPackage } from '../mirror/worlds.js';
import { syntheticRpm } from '../repo/support.js';
import { failure } from '../helpers/failure.js';

/** A fetch that counts every body byte the client reads. */
function counting(): { transport: Transport; read: () => number } {
  let read = 0;
  const transport: Transport = async (url, init) => {
    const res = await fetch(url, init);
    if (!res.body) return res;
    const body = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        read += chunk.length;
        c.enqueue(chunk);
      },
    }));
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { transport, read: () => read };
}

describe('berth sync against a hostile source', () => {
  let up: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
  });
  afterAll(async () => {
    await up?.close();
  });
  const dir = (): string => mkdtempSync(join(tmpdir(), 'berth-sync-hostile-'));
  const opts = (prefix: string, extra: Partial<SyncOptions> = {}): SyncOptions =>
    ({ url: `${up.url}${prefix}`, dir: dir(), platform: nodePlatform, noVerify: true, attempts: 1, retryDelayMs: 1, ...extra });

  it('a package that streams past its declared size: reading stops there, nothing of it is kept', async () => {
    const bytes = syntheticRpm('big');
    const pkgs: UpPackage[] = [{ name: 'big', bytes, href: 'big-1.0-1.noarch.rpm' }];
    serveRepo(up, '/long', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) }]);
    up.set('/long/big-1.0-1.noarch.rpm', { kind: 'endless', chunk: Buffer.alloc(64 * 1024, 7) });
    const c = counting();
    const o = opts('/long', { transport: c.transport });
    const e = await failure(sync(o));
    expect(e.code).toBe('sync.checksum');
    expect(e.message).toMatch(/sends more than/);
    // the metadata documents, plus at most one chunk past the package's declared size
    expect(c.read()).toBeLessThan(bytes.length + 256 * 1024);
    expect(existsSync(join(o.dir, '.berth-sync', 'partial', 'big-1.0-1.noarch.rpm'))).toBe(false);
    expect(existsSync(join(o.dir, 'big-1.0-1.noarch.rpm'))).toBe(false);
  });

  it('a huge repomd.xml stops at the document limit', async () => {
    up.set('/hugemd/repodata/repomd.xml', { kind: 'endless', chunk: Buffer.alloc(64 * 1024, 0x20), prefix: '<repomd>' });
    const c = counting();
    const e = await failure(sync(opts('/hugemd', { transport: c.transport, limits: { maxDocumentBytes: 256 * 1024 } })));
    expect(e.code).toBe('sync.too-large');
    expect(c.read()).toBeLessThanOrEqual(256 * 1024 + 128 * 1024);
  });

  it('a drip ends at the idle timeout', async () => {
    up.set('/drip/repodata/repomd.xml', { kind: 'drip', body: '<', everyMs: 5000 });
    const c = counting();
    const e = await failure(sync(opts('/drip', { transport: c.transport, limits: { idleTimeoutMs: 300 } })));
    expect(e.code).toBe('sync.network');
    expect(c.read()).toBeLessThanOrEqual(1);
  });

  it('redirects are bounded and http(s) only', async () => {
    up.set('/loop/repodata/repomd.xml', { kind: 'redirect', location: '/loop/repodata/repomd.xml' });
    expect((await failure(sync(opts('/loop', { limits: { maxRedirects: 3 } })))).code).toBe('sync.http');
    expect(up.stats('/loop/repodata/repomd.xml').requests).toBeLessThanOrEqual(4);
    up.set('/file/repodata/repomd.xml', { kind: 'redirect', location: 'file:///etc/passwd' });
    expect((await failure(sync(opts('/file')))).message).toMatch(/only http and https/);
  });

  it('an unclosed <package> in a gzip bomb stops at the element bound, and DIR gets no metadata', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('<metadata><package type="rpm"><name>x</name><format>'), Buffer.from('<rpm:entry name="x"/>'.repeat(2_000_000))]));
    serveRepo(up, '/bomb', [{ type: 'primary', href: 'repodata/primary.xml.gz', bytes: bomb }]);
    const o = opts('/bomb');
    const e = await failure(sync(o));
    expect(e).toMatchObject({ code: 'sync.bad-metadata' });
    expect(e.message).toMatch(/xml_limit/);
    expect(existsSync(join(o.dir, 'repodata', 'repomd.xml'))).toBe(false);
  });

  it('a changes feed that says "nothing changed" cannot make DIR hold a primary.xml naming a file it lacks', async () => {
    const a: UpPackage = { name: 'pa', bytes: syntheticRpm('pa'), href: 'pa-1.0-1.noarch.rpm' };
    const b: UpPackage = { name: 'pb', bytes: syntheticRpm('pb'), href: 'pb-1.0-1.noarch.rpm' };
    // a Berth-looking source (<origin>/<tenant>/<repo>, Berth-Revision on repomd.xml, a changes feed)
    const publishAs = (revision: number, pkgs: UpPackage[]): void => {
      const records = [{ type: 'primary', href: `repodata/${revision}-primary.xml`, bytes: primaryXml(pkgs) }];
      serveRepo(up, '/acme/edge', records, pkgs);
      up.set('/acme/edge/repodata/repomd.xml', { kind: 'body', body: repomdXml(records), headers: { 'berth-revision': String(revision) } });
    };
    up.set('/api/v1/repos/acme/edge/changes', { kind: 'body', body: JSON.stringify({ from: 1, to: 2, added: [], removed: [], complete: true }) });
    publishAs(1, [a]);
    const o = opts('/acme/edge');
    const notes: string[] = [];
    expect(await sync({ ...o, note: (l) => notes.push(l) })).toMatchObject({ fetched: { packages: 1 } });
    publishAs(2, [a, b]);
    const s = await sync({ ...o, note: (l) => notes.push(l) });
    expect(s).toMatchObject({ changesFeed: 'unchanged', primaryParsed: true, fetched: { packages: 1 }, reused: { packages: 1 } });
    expect(notes.join('\n')).toMatch(/changes feed said nothing changed, but primary.xml lists other packages/);
    expect(readFileSync(join(o.dir, b.href)).equals(Buffer.from(b.bytes))).toBe(true);
    // and it asked the feed with the revision the server named, not the one inside repomd.xml
    expect(up.log).toContain('GET /api/v1/repos/acme/edge/changes');
    expect(readdirSync(join(o.dir, 'repodata')).sort()).toEqual(['2-primary.xml', 'repomd.xml']);
  });
});
