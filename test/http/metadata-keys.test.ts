// Metadata key rotation over HTTP: add (both keys published, the old one still signs), use (the
// metadata is signed again by the new key under a new revision), retire (only the new key is
// published); refusals; audit; a snapshot taken before keeps the key that verifies it.
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/repo/audit.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const KEYS = 'http://x/api/v1/repos/acme/main/metadata-keys';

interface Key { fingerprint: string; signing: boolean }

async function signerOf(asc: string): Promise<string> {
  const sig = await openpgp.readSignature({ armoredSignature: asc });
  return sig.getSigningKeyIDs()[0]!.toHex().toUpperCase();
}

/** Verifies repomd.xml with the served key file; returns the fingerprints in it. */
async function verify(get: (p: string) => Promise<string>, base: string): Promise<{ fingerprints: string[]; signer: string }> {
  const [repomd, asc, key] = [await get(`${base}/repodata/repomd.xml`), await get(`${base}/repodata/repomd.xml.asc`), await get(`${base}/repodata/repomd.xml.key`)];
  const keys = await openpgp.readKeys({ armoredKeys: key });
  const result = await openpgp.verify({ message: await openpgp.createMessage({ text: repomd }), signature: await openpgp.readSignature({ armoredSignature: asc }), verificationKeys: keys });
  await result.signatures[0]!.verified;
  return { fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()), signer: await signerOf(asc) };
}

describe('metadata key rotation API', () => {
  it('add, use, retire: every step verifies with the served key file; refusals; audited', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const get = async (p: string): Promise<string> => {
      const res = await app.request(`http://x${p}`, { headers: asOperator() });
      expect(res.status, p).toBe(200);
      return res.text();
    };
    expect((await app.request('http://x/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('foo'), headers: asOperator() })).status).toBe(201);
    await w.sink.idle();
    const first = ((await (await app.request(KEYS, { headers: asOperator() })).json()) as { keys: Key[] }).keys;
    expect(first).toMatchObject([{ signing: true }]);
    const old = first[0]!.fingerprint;
    const before = await verify(get, '/acme/main');
    expect(before.fingerprints).toEqual([old]);
    expect((await app.request('http://x/api/v1/repos/acme/main/snapshots', jsonReq('POST', { name: 'pre' }))).status).toBe(201);

    const keyBefore = await app.request('http://x/acme/main/repodata/repomd.xml.key', { headers: asOperator() });
    const since = keyBefore.headers.get('last-modified')!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Last-Modified has whole seconds
    w.now.value = new Date();
    const added = await app.request(KEYS, { method: 'POST', headers: asOperator() });
    expect(added.status).toBe(201);
    const keys = ((await added.json()) as { keys: Key[] }).keys;
    expect(keys.map((k) => k.signing)).toEqual([true, false]);
    const next = keys[1]!.fingerprint;
    // a client asking whether its copy of the key file is current learns that it is not
    const ims = await app.request('http://x/acme/main/repodata/repomd.xml.key', { headers: asOperator({ 'if-modified-since': since }) });
    expect(ims.status).toBe(200);
    const overlap = await verify(get, '/acme/main');
    expect(overlap.fingerprints).toEqual([old, next]);
    expect(old.endsWith(overlap.signer)).toBe(true);

    const revBefore = /<revision>(\d+)/.exec(await get('/acme/main/repodata/repomd.xml'))![1];
    const used = await app.request(`${KEYS}/${next}/use`, { method: 'POST', headers: asOperator() });
    expect(used.status).toBe(200);
    const usedBody = (await used.json()) as { revision: number };
    expect(usedBody.revision).toBe(Number(revBefore) + 1);
    await w.sink.idle();
    const switched = await verify(get, '/acme/main');
    expect(next.endsWith(switched.signer)).toBe(true);
    expect(switched.fingerprints).toEqual([old, next]);
    const retireSigning = await app.request(`${KEYS}/${next}`, { method: 'DELETE', headers: asOperator() });
    expect(await retireSigning.json()).toMatchObject({ status: 409, code: 'signing_key' });

    const retired = await app.request(`${KEYS}/${old}`, { method: 'DELETE', headers: asOperator() });
    expect(retired.status).toBe(200);
    const after = await verify(get, '/acme/main');
    expect(after.fingerprints).toEqual([next]);
    // the snapshot still serves the key that verifies what it froze
    expect((await verify(get, '/acme/main/snapshots/pre')).fingerprints).toEqual([old]);
    // a new push is signed by the new key
    expect((await app.request('http://x/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('bar'), headers: asOperator() })).status).toBe(201);
    await w.sink.idle();
    expect(next.endsWith((await verify(get, '/acme/main')).signer)).toBe(true);

    expect(await (await app.request(`${KEYS}/${old}`, { method: 'DELETE', headers: asOperator() })).json()).toMatchObject({ status: 404, code: 'key_not_found' });
    expect((await app.request(`${KEYS}/nothex/use`, { method: 'POST', headers: asOperator() })).status).toBe(400);
    for (let i = 0; i < 2; i++) expect((await app.request(KEYS, { method: 'POST', headers: asOperator() })).status).toBe(201);
    expect(await (await app.request(KEYS, { method: 'POST', headers: asOperator() })).json()).toMatchObject({ status: 409, code: 'too_many_keys' });
    const actions = (await readAudit(w.store, 'acme')).map((e) => e.action).filter((a) => a.startsWith('metadata_key.'));
    expect(actions).toEqual(['metadata_key.add', 'metadata_key.use', 'metadata_key.retire', 'metadata_key.add', 'metadata_key.add']);
  }, 120_000);
});
