// Mirror runs against a hostile upstream (node:http on 127.0.0.1, in-process world on a memory
// store): the SSRF chain of redirect-to-internal + digest oracle, bodies and drips that would pin
// a run, metadata types a complete mirror must not take on, and packages a repo-limited admin
// must not be able to copy out of repos they cannot read. Bounds are asserted by counters.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMirrorState } from '../../src/repo/mirror-config.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { runMirror } from '../../src/mirror/run.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { publish, syntheticRpm } from '../repo/support.js';
import { startHostile, until, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo, sha256, type UpPackage } from './worlds.js';

const SECRET = `internal-only-${process.pid}`;

describe('mirror runs against a hostile upstream', () => {
  let up: Hostile;
  let internal: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
    internal = await startHostile('127.0.0.2');
    internal.set('/secret', { kind: 'body', body: SECRET });
  });
  afterAll(async () => {
    await up?.close();
    await internal?.close();
  });

  it('a metadata file redirected to a loopback-only service is refused: no request reaches it, no digest is told', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1']);
    const primary = primaryXml([]);
    serveRepo(up, '/ssrf', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primary }]);
    up.set('/ssrf/repodata/primary.xml', { kind: 'redirect', location: `${internal.url}/secret` });
    await configure(w, 'acme', 'm', { from: `${up.url}/ssrf/` });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: false, error: { code: 'egress_refused' } });
    expect(internal.stats('/secret').requests).toBe(0);
    expect(JSON.stringify(s)).not.toContain(sha256(SECRET));
  });

  it('even where the operator allows the address, a checksum mismatch never tells the digest of what arrived', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.0/8']);
    serveRepo(up, '/oracle', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml([]), checksum: sha256('something else') }]);
    up.set('/oracle/repodata/primary.xml', { kind: 'redirect', location: `${internal.url}/secret` });
    await configure(w, 'acme', 'm', { from: `${up.url}/oracle/` });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: false, error: { code: 'checksum_mismatch' } });
    const told = JSON.stringify([s, await readMirrorState(w.store, 'acme', 'm')]);
    expect(told).not.toContain(sha256(SECRET));
    expect(told).not.toContain(SECRET);
  });

  it('a huge repomd.xml: reading stops at the document limit and the connection is dropped', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1'], { maxDocumentBytes: 64 * 1024 });
    up.set('/huge/repodata/repomd.xml', { kind: 'endless', chunk: Buffer.alloc(16 * 1024, 0x20), prefix: '<repomd>' });
    await configure(w, 'acme', 'm', { from: `${up.url}/huge/` });
    const s = await runMirror(w.deps, 'acme', 'm', { attempts: 1 });
    expect(s).toMatchObject({ ok: false, error: { code: 'upstream_too_large' } });
    await until('the drop', () => up.stats('/huge/repodata/repomd.xml').open === 0);
    expect(up.stats('/huge/repodata/repomd.xml').dropped).toBe(1);
  });

  it('a slow drip ends at the idle timeout with at most a byte sent, and the repo is free for the next run', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1'], { idleTimeoutMs: 300 });
    up.set('/drip/repodata/repomd.xml', { kind: 'drip', body: '<', everyMs: 2000 });
    await configure(w, 'acme', 'm', { from: `${up.url}/drip/` });
    const s = await runMirror(w.deps, 'acme', 'm', { attempts: 1 });
    expect(s).toMatchObject({ ok: false, error: { code: 'upstream_timeout' } });
    await until('the drop', () => up.stats('/drip/repodata/repomd.xml').open === 0);
    expect(up.stats('/drip/repodata/repomd.xml').bytesSent).toBeLessThanOrEqual(2);
    // not left "running": another run starts (and fails the same way)
    expect((await runMirror(w.deps, 'acme', 'm', { attempts: 1 })).error?.code).toBe('upstream_timeout');
  });

  it('a gzip bomb holding an unclosed <package>: the run stops at the element bound, nothing is published', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1'], { maxXmlElementBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.concat([Buffer.from('<metadata><package type="rpm"><name>x</name><format>'),
      Buffer.from('<rpm:entry name="libfoo.so.1()(64bit)"/>'.repeat(1_000_000))]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    serveRepo(up, '/bomb', [{ type: 'primary', href: 'repodata/primary.xml.gz', bytes: bomb }]);
    await configure(w, 'acme', 'm', { from: `${up.url}/bomb/`, include: ['*'] });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: false, error: { code: 'xml_limit' } });
    expect(await currentGeneration(w.store, 'acme', 'm')).toBeNull();
  });

  it('a complete mirror keeps only the metadata types dnf reads: other record types are neither fetched nor served', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1']);
    const records = [
      { type: 'primary', href: 'repodata/aa-primary.xml', bytes: primaryXml([]) },
      { type: 'updateinfo', href: 'repodata/bb-updateinfo.xml', bytes: '<updates/>' },
      { type: 'evil', href: 'repodata/cc-evil.bin', bytes: 'arbitrary content' },
      { type: 'primary_db', href: 'repodata/dd-primary.sqlite', bytes: 'sqlite' },
    ];
    serveRepo(up, '/types', records);
    await configure(w, 'acme', 'm', { from: `${up.url}/types/` });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: true, outcome: 'updated', metadataSkipped: ['evil', 'primary_db'] });
    expect(up.stats('/types/repodata/cc-evil.bin').requests).toBe(0);
    expect(up.stats('/types/repodata/dd-primary.sqlite').requests).toBe(0);
    expect((await currentGeneration(w.store, 'acme', 'm'))?.record.files.sort()).toEqual(['aa-primary.xml', 'bb-updateinfo.xml']);
  });

  it('a filtered mirror never takes a package from another repo of the tenant: it downloads, and its counts do not depend on other repos', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'secret' }, { tenant: 'acme', repo: 'mine' }], ['127.0.0.1']);
    const bytes = syntheticRpm('hidden');
    expect((await publish(w, 'secret', bytes)).status).toBe(201);
    expect(await w.store.head(packageBlobKey('acme', sha256(bytes)))).not.toBeNull();
    const pkgs: UpPackage[] = [{ name: 'hidden', bytes, href: 'hidden-1.0-1.noarch.rpm' }];
    const primary = primaryXml(pkgs);
    serveRepo(up, '/copy', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primary }], pkgs);
    await configure(w, 'acme', 'mine', { from: `${up.url}/copy/`, include: ['*'] });
    const s = await runMirror(w.deps, 'acme', 'mine');
    expect(s).toMatchObject({ ok: true, packages: { selected: 1, added: 1, fetched: 1, reused: 0 } });
    expect(up.stats('/copy/hidden-1.0-1.noarch.rpm').requests).toBe(1);

    // and when upstream does not serve the bytes, the other repo's copy does not stand in for them
    await configure(w, 'acme', 'mine', { from: `${up.url}/copy2/`, include: ['*'] });
    const w2 = await mirrorWorld([{ tenant: 'acme', repo: 'secret' }, { tenant: 'acme', repo: 'other' }], ['127.0.0.1']);
    expect((await publish(w2, 'secret', bytes)).status).toBe(201);
    serveRepo(up, '/copy2', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primary }]);
    await configure(w2, 'acme', 'other', { from: `${up.url}/copy2/`, include: ['*'] });
    const refused = await runMirror(w2.deps, 'acme', 'other', { attempts: 1 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'upstream_http_error' } });
  });

  it('a retry reuses what this mirror itself downloaded and verified in the failed run', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1']);
    const a: UpPackage = { name: 'pa', bytes: syntheticRpm('pa'), href: 'pa-1.0-1.noarch.rpm' };
    const b: UpPackage = { name: 'pb', bytes: syntheticRpm('pb'), href: 'pb-1.0-1.noarch.rpm' };
    const primary = primaryXml([a, b]);
    serveRepo(up, '/retry', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primary }], [a]);
    await configure(w, 'acme', 'm', { from: `${up.url}/retry/`, include: ['*'], concurrency: 1 });
    expect(await runMirror(w.deps, 'acme', 'm', { attempts: 1 })).toMatchObject({ ok: false });
    expect((await readMirrorState(w.store, 'acme', 'm')).pending).toEqual([sha256(a.bytes)]);
    up.set(`/retry/${b.href}`, { kind: 'body', body: b.bytes });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: true, packages: { added: 2, fetched: 1, reused: 1 } });
    expect(up.stats(`/retry/${a.href}`).requests).toBe(1);
    expect((await readMirrorState(w.store, 'acme', 'm')).pending).toEqual([]);
  });
});
