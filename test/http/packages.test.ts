import { afterAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { bytesOf, disposeSignedPackages, signedPackages, signedPackagesReason } from '../helpers/signed-packages.js';
import { announceSkip } from '../helpers/tools.js';
import { makeWorld, snapshot, syntheticRpm } from '../repo/support.js';
import { appFor, bearer } from './serving-app.js';

const reason = signedPackagesReason();
announceSkip('package API with signed packages', reason);
afterAll(() => disposeSignedPackages());

describe.skipIf(reason !== null)('package API with packages signed here', () => {
  it('PUT publishes (201, then 200), GET lists, DELETE removes; problems are JSON with codes', async () => {
    const pkgs = await signedPackages();
    const w = await makeWorld([{ name: 'main', keys: [pkgs.keys.rsa.armoredPublicKey] }]);
    const app = await appFor(w);
    const url = 'http://x/api/v1/repos/acme/main/packages';
    const put = await app.request(url, { method: 'PUT', body: bytesOf(pkgs, 'rsa-signed'), headers: bearer() });
    expect(put.status).toBe(201);
    const body = (await put.json()) as { sha256: string; location: string };
    expect(put.headers.get('location')).toBe(`/api/v1/repos/acme/main/packages/${body.sha256}`);
    expect((await app.request(url, { method: 'PUT', body: bytesOf(pkgs, 'rsa-signed'), headers: bearer() })).status).toBe(200);
    const list = (await (await app.request(url, { headers: bearer() })).json()) as { revision: number; packages: { sha256: string }[] };
    expect(list).toMatchObject({ revision: 1, packages: [{ sha256: body.sha256 }] });

    const refused = await app.request(url, { method: 'PUT', body: bytesOf(pkgs, 'unsigned'), headers: bearer() });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'unsigned', status: 422 });

    expect((await app.request(`${url}/nothex`, { method: 'DELETE', headers: bearer() })).status).toBe(400);
    const del = await app.request(`${url}/${body.sha256}`, { method: 'DELETE', headers: bearer() });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ sha256: body.sha256, revision: 2 });
    const again = await app.request(`${url}/${body.sha256}`, { method: 'DELETE', headers: bearer() });
    expect(await again.json()).toMatchObject({ status: 404, code: 'package_not_found' });
    await w.sink.idle();
  }, 120_000);
});

describe('package API', () => {
  it('answers 413 from Content-Length without reading the body', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }], { maxUploadBytes: 1000 });
    const app = await appFor(w);
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({ pull(c) { pulled = true; c.enqueue(new Uint8Array(10)); } }, { highWaterMark: 0 });
    const before = await snapshot(w.store);
    const res = await app.request('http://x/api/v1/repos/acme/main/packages', {
      method: 'PUT', body, headers: { ...bearer(), 'content-length': '5000' }, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'package_too_large' });
    expect(pulled).toBe(false);
    expect(await snapshot(w.store)).toEqual(before);
    // without a declared length the limit is enforced while streaming
    const streamed = await app.request('http://x/api/v1/repos/acme/main/packages', {
      method: 'PUT', body: syntheticRpm('a'.repeat(2000)), headers: bearer(),
    });
    expect(streamed.status).toBe(413);
    expect(await snapshot(w.store)).toEqual(before);
  });

  it('needs publish scope: anonymous 401 with a challenge, read token 403', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await appFor(w);
    const url = 'http://x/api/v1/repos/acme/main/packages';
    const anon = await app.request(url, { method: 'PUT', body: syntheticRpm('x') });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/Basic/);
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
    expect((await app.request(url, { method: 'PUT', body: syntheticRpm('x'), headers: bearer(token) })).status).toBe(403);
    expect((await app.request(url, { headers: bearer(token) })).status).toBe(200);
  });
});
