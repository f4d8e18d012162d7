import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { addTrustedKey } from '../../src/repo/trusted-keys.js';
import { publicKeyKey } from '../../src/storage/keys.js';
import { publisherKey } from '../repo/pgp-fixtures.js';
import { makeWorld, publish, syntheticRpm, type World } from '../repo/support.js';
import { composedApp } from './lifecycle-app.js';
import { appFor, basic, bearer } from './serving-app.js';

async function setup(publicRepo = true): Promise<{ w: World; app: Awaited<ReturnType<typeof appFor>>; base: string }> {
  const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: publicRepo }]);
  const app = await appFor(w);
  return { w, app, base: 'http://repo.test/acme/open' };
}

const hrefs = (repomd: string): string[] => [...repomd.matchAll(/<location href="([^"]+)"\/>/g)].map((m) => m[1]!);

describe('dnf routes', () => {
  it('serves repomd.xml with a signature that verifies against repomd.xml.key, and every file it names', async () => {
    const { w, app, base } = await setup();
    const bytes = syntheticRpm('alpha');
    const r = await publish(w, 'open', bytes);
    await w.sink.idle();
    const repomd = await app.request(`${base}/repodata/repomd.xml`);
    expect(repomd.status).toBe(200);
    expect(repomd.headers.get('cache-control')).toBe('public, no-cache');
    const text = await repomd.text();
    const asc = await (await app.request(`${base}/repodata/repomd.xml.asc`)).text();
    const key = await (await app.request(`${base}/repodata/repomd.xml.key`)).text();
    const { signatures } = await openpgp.verify({
      message: await openpgp.createMessage({ binary: new TextEncoder().encode(text) }),
      signature: await openpgp.readSignature({ armoredSignature: asc }),
      verificationKeys: await openpgp.readKey({ armoredKey: key }),
    });
    await expect(signatures[0]!.verified).resolves.toBe(true);
    for (const href of hrefs(text)) {
      const res = await app.request(`${base}/${href}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await res.arrayBuffer();
    }
    const pkg = await app.request(`${base}/${r.body.location}`);
    expect(pkg.status).toBe(200);
    expect(new Uint8Array(await pkg.arrayBuffer())).toEqual(bytes);
    expect((await app.request(`${base}/Packages/z/zzz-1-1.noarch.rpm`)).status).toBe(404);
  });

  it('ranges: single, suffix, multi (multipart/byteranges), unsatisfiable (416); HEAD has no body; ETag → 304', async () => {
    const { w, app, base } = await setup();
    const bytes = syntheticRpm('ranges');
    const r = await publish(w, 'open', bytes);
    const url = `${base}/${r.body.location}`;
    const one = await app.request(url, { headers: { range: 'bytes=10-19' } });
    expect(one.status).toBe(206);
    expect(one.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
    expect(new Uint8Array(await one.arrayBuffer())).toEqual(bytes.slice(10, 20));
    const suffix = await app.request(url, { headers: { range: 'bytes=-5' } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(-5));

    const multi = await app.request(url, { headers: { range: 'bytes=0-3, 100-' } });
    expect(multi.status).toBe(206);
    const boundary = /boundary=(\S+)/.exec(multi.headers.get('content-type') ?? '')?.[1];
    expect(boundary).toBeTruthy();
    const raw = Buffer.from(await multi.arrayBuffer());
    expect(Number(multi.headers.get('content-length'))).toBe(raw.length);
    const parts = raw.toString('latin1').split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(2);
    const partBody = (p: string): Buffer => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''), 'latin1');
    expect(parts[0]).toContain(`content-range: bytes 0-3/${bytes.length}`);
    expect(new Uint8Array(partBody(parts[0]!))).toEqual(bytes.slice(0, 4));
    expect(new Uint8Array(partBody(parts[1]!))).toEqual(bytes.slice(100));

    const bad = await app.request(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect((await app.request(url, { headers: { range: 'bytes=x' } })).status).toBe(200); // malformed: ignored

    const head = await app.request(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const etag = head.headers.get('etag')!;
    expect((await app.request(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const stale = await app.request(url, { headers: { range: 'bytes=0-1', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
  });

  it('a client holding the previous repomd.xml fetches all it names within retention; GC removes it after', async () => {
    const { w, app, base } = await setup();
    const a = await publish(w, 'open', syntheticRpm('alpha'));
    await w.sink.idle();
    const oldRepomd = await (await app.request(`${base}/repodata/repomd.xml`)).text();
    const del = await app.request(`http://repo.test/api/v1/repos/acme/open/packages/${a.body.sha256}`, { method: 'DELETE', headers: bearer() });
    expect(del.status).toBe(200);
    await publish(w, 'open', syntheticRpm('beta'));
    await w.sink.idle();
    const newRepomd = await (await app.request(`${base}/repodata/repomd.xml`)).text();
    expect(newRepomd).not.toEqual(oldRepomd);
    const oldFiles = [...hrefs(oldRepomd), a.body.location];
    for (const href of oldFiles) expect((await app.request(`${base}/${href}`)).status).toBe(200);
    await collectGarbage(w.deps, new Date(Date.now() + 4 * 86_400_000));
    for (const href of oldFiles.filter((h) => !newRepomd.includes(h))) expect((await app.request(`${base}/${href}`)).status).toBe(404);
    for (const href of hrefs(newRepomd)) expect((await app.request(`${base}/${href}`)).status).toBe(200);
  });

  it('private repos: 401 anonymous, Basic with a read token works and is cached privately; config.repo never holds a token', async () => {
    const { w, app, base } = await setup(false);
    await publish(w, 'open', syntheticRpm('alpha'));
    await w.sink.idle();
    const anon = await app.request(`${base}/repodata/repomd.xml`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Basic realm="berth"');
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
    const ok = await app.request(`${base}/repodata/repomd.xml`, { headers: basic(token) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('private, no-cache');
    const conf = await (await app.request(`${base}/config.repo`, { headers: basic(token) })).text();
    expect(conf).toContain('baseurl=http://repo.test/acme/open\n');
    expect(conf).toContain('gpgkey=http://repo.test/acme/open/repodata/repomd.xml.key\n');
    // the repo accepts unsigned packages and trusts no key: dnf cannot require package signatures
    expect(conf).toMatch(/^gpgcheck=0$/m);
    expect(conf).toMatch(/^repo_gpgcheck=1$/m);
    expect(conf).toMatch(/^#password=<read token>$/m);
    expect(conf).toMatch(/^#username=berth$/m);
    expect(conf).not.toContain(token);
  });

  it('config.repo lists every trusted publisher key at /keys/<FPR>.asc, served to anyone; gpgcheck once signatures are required', async () => {
    const w = await makeWorld([{ name: 'signed' }]);
    const app = await composedApp(w);
    const [tenantKey, repoKey, otherKey] = await Promise.all([publisherKey('T'), publisherKey('R'), publisherKey('O')]);
    await addTrustedKey(w.store, { tenant: 'acme' }, tenantKey.publicArmored);
    await addTrustedKey(w.store, { tenant: 'acme', repo: 'signed' }, repoKey.publicArmored);
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
    const conf = await (await app.request('http://repo.test/acme/signed/config.repo', { headers: basic(token) })).text();
    const fprs = [tenantKey.fingerprint, repoKey.fingerprint].sort();
    expect(/^gpgkey=(.*)$/m.exec(conf)?.[1]).toBe(['http://repo.test/acme/signed/repodata/repomd.xml.key', ...fprs.map((f) => `http://repo.test/keys/${f}.asc`)].join(' '));
    expect(conf).toMatch(/^gpgcheck=1$/m);
    for (const key of [tenantKey, repoKey]) {
      // no credentials, even a bad one
      for (const headers of [{}, basic('berth_aaaaaaaaaaaa_wrong')]) {
        const res = await app.request(`http://repo.test/keys/${key.fingerprint.toLowerCase()}.asc`, { headers });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/pgp-keys');
        expect((await openpgp.readKey({ armoredKey: await res.text() })).getFingerprint().toUpperCase()).toBe(key.fingerprint);
      }
    }
    expect((await app.request(`http://repo.test/keys/${otherKey.fingerprint}.asc`)).status).toBe(404);
    expect((await app.request('http://repo.test/keys/secret.asc')).status).toBe(404);
    // a key trusted before the public copies existed is published when a config.repo lists it
    await w.store.delete(publicKeyKey(repoKey.fingerprint));
    expect((await app.request(`http://repo.test/keys/${repoKey.fingerprint}.asc`)).status).toBe(404);
    await app.request('http://repo.test/acme/signed/config.repo', { headers: basic(token) });
    expect((await app.request(`http://repo.test/keys/${repoKey.fingerprint}.asc`)).status).toBe(200);
  });

  it('config.repo of a public repo uses the configured public URL and has no credential hint', async () => {
    const { w, app, base } = await setup(true);
    w.deps.config.publicUrl = 'https://rpm.example.com/';
    const conf = await (await app.request(`${base}/config.repo`)).text();
    expect(conf).toContain('baseurl=https://rpm.example.com/acme/open\n');
    expect(conf).not.toMatch(/password/);
  });
});
