import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIndex } from '../../src/repo/index-store.js';
import { deletePackage } from '../../src/repo/publish.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { readCore } from './read-core.js';
import { listAll } from '../../src/storage/blob-store.js';
import { toProblem } from '../../src/http/errors.js';
import { rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { bytesOf, disposeSignedPackages, signedPackages, signedPackagesReason, type SignedPackages } from '../helpers/signed-packages.js';
import { announceSkip } from '../helpers/tools.js';
import { deltaRpm } from '../core/rpm/build-rpm.js';
import { makeWorld, publish, servedPrimary, snapshot, syntheticRpm, type World } from './support.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reason = signedPackagesReason();
announceSkip('publish of signed packages', reason);

let pkgs: SignedPackages;

async function world(): Promise<World> {
  return makeWorld([
    { name: 'main', keys: [pkgs.keys.rsa.armoredPublicKey] },
    { name: 'both', keys: [pkgs.keys.rsa.armoredPublicKey, pkgs.keys.ed25519.armoredPublicKey] },
    { name: 'open', allowUnsigned: true },
  ]);
}

/** The rsa-signed package with one byte of its header signature packet flipped. */
async function badSignature(): Promise<Uint8Array> {
  const bytes = bytesOf(pkgs, 'rsa-signed');
  const r = await readCore(bytes);
  const packet = r.signatureHeader.signatures[0]!.packet;
  const at = Buffer.from(bytes).indexOf(Buffer.from(packet));
  expect(at).toBeGreaterThan(0);
  bytes[at + packet.length - 3]! ^= 0x55;
  return bytes;
}

/** The rsa-signed package with a payload byte changed: signature good, payload digest wrong. */
function damagedPayload(): Uint8Array {
  const bytes = bytesOf(pkgs, 'rsa-signed');
  bytes[bytes.length - 10]! ^= 0x01;
  return bytes;
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (e) {
    // the status the HTTP layer gives the domain's refusal
    const err = toProblem(e);
    if (!err) throw e;
    return { status: err.status, code: err.code };
  }
  throw new Error('expected a refusal');
}

describe.skipIf(reason !== null)('publish (packages signed here with rpmsign)', () => {
  beforeAll(async () => {
    pkgs = await signedPackages();
  }, 120_000);
  afterAll(() => disposeSignedPackages());

  it('accepts a signed package, stores blob, fragment, index entry and audit, then regenerates', async () => {
    const w = await world();
    const r = await publish(w, 'main', bytesOf(pkgs, 'rsa-signed'));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'berth-signed', epoch: 2, version: '1.2.3', release: '4', arch: 'noarch', nevra: 'berth-signed-2:1.2.3-4.noarch',
      location: 'Packages/b/berth-signed-1.2.3-4.noarch.rpm', revision: 1,
      signer: { fingerprint: pkgs.keys.rsa.fingerprint.toUpperCase(), keyId: pkgs.keys.rsa.keyId.toUpperCase(), algorithm: 'RSA' },
    });
    const keys = (await snapshot(w.store)).map((k) => k.split(' ')[0]);
    expect(keys).toContain(`t/acme/blobs/sha256/${r.body.sha256.slice(0, 2)}/${r.body.sha256}`);
    expect(keys).toContain(`t/acme/r/main/fragments/${r.body.sha256}.json`);
    expect(keys.filter((k) => k!.startsWith('uploads/'))).toEqual([]);
    expect(keys.filter((k) => k!.startsWith('t/acme/audit/'))).toHaveLength(1);
    await w.sink.idle();
    const primary = await servedPrimary(w.store, 'acme', 'main');
    expect(primary.packages).toEqual([{ name: 'berth-signed', pkgid: r.body.sha256, href: r.body.location, time: String(r.body.addedAt) }]);
  });

  it('a second publish of the same bytes is 200 and changes nothing; other bytes with the same NEVRA are 409', async () => {
    const w = await world();
    const first = await publish(w, 'both', bytesOf(pkgs, 'rsa-signed'));
    await w.sink.idle();
    const before = await snapshot(w.store);
    w.now.value = new Date(w.now.value.getTime() + 60_000);
    const again = await publish(w, 'both', bytesOf(pkgs, 'rsa-signed'));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await snapshot(w.store)).toEqual(before);
    const conflict = await refusal(publish(w, 'both', bytesOf(pkgs, 'ed25519-signed')));
    expect(conflict).toEqual({ status: 409, code: 'nevra_conflict' });
    await w.sink.idle();
    // only the refused package's blob and fragment may differ: the conflict is found at the CAS
    // (and the tenant's usage counts that blob until GC deletes it)
    const after = (await snapshot(w.store)).filter((k) => !before.includes(k));
    expect(after.every((k) => /blobs\/sha256|fragments\/|^t\/acme\/usage\.json /.test(k))).toBe(true);
    expect((await readIndex(w.store, 'acme', 'both')).index.packages.map((p) => p.sha256)).toEqual([first.body.sha256]);
  });

  const refusals: [string, string, number, () => Promise<Uint8Array>][] = [
    ['random bytes', 'not_an_rpm', 422, async () => crypto.getRandomValues(new Uint8Array(5000))],
    ['empty body', 'not_an_rpm', 422, async () => new Uint8Array(0)],
    ['a delta RPM', 'delta_rpm', 422, async () => deltaRpm()],
    ['an unsigned package', 'unsigned', 422, async () => bytesOf(pkgs, 'unsigned')],
    ['a package signed by a key the repo does not trust', 'untrusted_key', 422, async () => bytesOf(pkgs, 'ed25519-signed')],
    ['a package whose signature is damaged', 'bad_signature', 422, badSignature],
    ['a package whose payload is damaged', 'digest_mismatch', 422, async () => damagedPayload()],
  ];
  it.each(refusals)('refuses %s with %s and leaves storage unchanged', async (_what, code, status, bytes) => {
    const w = await world();
    const input = await bytes();
    const before = await snapshot(w.store);
    expect(await refusal(publish(w, 'main', input))).toEqual({ status, code });
    expect(await snapshot(w.store)).toEqual(before);
  });

  it('refuses control characters (unrepresentable_metadata) even where signatures are optional', async (ctx) => {
    const out = mkdtempSync(join(tmpdir(), 'berth-ctl-'));
    let ctl: Uint8Array;
    try {
      const [file] = await rpmbuild('berth-ctl', specBytes('berth-ctl'), out).catch(() => []);
      if (file === undefined) return ctx.skip('rpmbuild refused the control-character provide of berth-ctl.spec');
      ctl = new Uint8Array(readFileSync(file));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const w = await world();
    const before = await snapshot(w.store);
    expect(await refusal(publish(w, 'open', ctl))).toEqual({ status: 422, code: 'unrepresentable_metadata' });
    expect(await snapshot(w.store)).toEqual(before);
  });

  it('refuses an upload past the limit while streaming (413) and keeps nothing', async () => {
    const w = await makeWorld([{ name: 'main', keys: [pkgs.keys.rsa.armoredPublicKey] }], { maxUploadBytes: 4000 });
    expect(bytesOf(pkgs, 'rsa-signed').length).toBeGreaterThan(4000);
    const before = await snapshot(w.store);
    expect(await refusal(publish(w, 'main', bytesOf(pkgs, 'rsa-signed')))).toEqual({ status: 413, code: 'package_too_large' });
    expect(await snapshot(w.store)).toEqual(before);
  });
});

describe('publish (unsigned packages built in memory)', () => {
  it('50 parallel publishes all land in the index and in primary.xml', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    const names = Array.from({ length: 50 }, (_, i) => `pkg${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map((n) => publish(w, 'open', syntheticRpm(n))));
    expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
    // group commit: publishes that queue behind a commit share the next one
    const revisions = new Set(results.map((r) => r.body.revision));
    expect(revisions.size).toBeLessThan(50);
    await w.sink.idle();
    const { index } = await readIndex(w.store, 'acme', 'open');
    expect(index.revision).toBe(Math.max(...revisions));
    expect(index.packages).toHaveLength(50);
    const primary = await servedPrimary(w.store, 'acme', 'open');
    expect(primary.revision).toBe(String(index.revision));
    expect(primary.declared).toBe(50);
    expect(primary.packages.map((p) => p.name).sort()).toEqual(names);
    expect(w.logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('delete removes the entry (404 the second time), keeps the blob, and regenerates', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    const a = await publish(w, 'open', syntheticRpm('alpha'));
    const b = await publish(w, 'open', syntheticRpm('beta'));
    const removed = await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: a.body.sha256, actor: 'operator' });
    expect(removed).toMatchObject({ name: 'alpha', revision: 3 });
    expect(await refusal(deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: a.body.sha256, actor: 'operator' })))
      .toEqual({ status: 404, code: 'package_not_found' });
    await w.sink.idle();
    expect((await servedPrimary(w.store, 'acme', 'open')).packages.map((p) => p.pkgid)).toEqual([b.body.sha256]);
    const blobs: string[] = [];
    for await (const i of listAll(w.store, 't/acme/blobs/')) blobs.push(i.key);
    expect(blobs.some((k) => k.endsWith(a.body.sha256))).toBe(true);
  });

  it('an unknown repo is 404 before anything is read', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    expect(await refusal(publish(w, 'nope', syntheticRpm('x')))).toEqual({ status: 404, code: 'not_found' });
  });
});
