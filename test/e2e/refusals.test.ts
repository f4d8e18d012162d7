// End to end: what `berth serve` refuses at publish, through `berth push`, with the documented
// status and problem code — and that a refusal leaves nothing behind in storage.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { freePort } from '../helpers/net.js';
import { disposeTestKeyring, rpmSign, testKeyring } from '../helpers/gpg.js';
import { rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { berthAs, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { deltaRpm } from '../core/rpm/build-rpm.js';

const reason = skipReason({ tools: ['rpmbuild', 'rpmsign', 'gpg'] }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('publish refusals end-to-end', reason);

const ADMIN = `op-refusals-${process.pid}-0123456789`;
const MAX = 64 * 1024;
const work = mkdtempSync(join(tmpdir(), 'berth-refuse-'));
const data = join(work, 'data');

interface PushJson {
  results: Array<{ file: string; ok: boolean; status: number | null; code?: string; detail?: string }>;
  failed: number;
}

/** Every file under the store's root, with its size: what "nothing left behind" is checked on. */
function storageListing(): string[] {
  if (!existsSync(data)) return [];
  return readdirSync(data, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = join(e.parentPath, e.name);
      return `${relative(data, p)} ${statSync(p).size}`;
    })
    .sort();
}

afterAll(async () => {
  await disposeTestKeyring();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(reason !== null)('publish refusals (berth push against berth serve)', () => {
  let server: BerthServer;
  let admin = '';
  let publish = '';
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const keys = await testKeyring();
    const [lib] = await rpmbuild('berth-lib', specBytes('berth-lib'), join(work, 'unsigned'));
    const [app] = await rpmbuild('berth-app', specBytes('berth-app'), join(work, 'ed25519'));
    const [good] = await rpmbuild('berth-lib', specBytes('berth-lib'), join(work, 'rsa'));
    // U+FFFE in the summary, U+FFFF in the description: valid UTF-8 that XML 1.0 cannot carry
    const xmlBadSpec = Buffer.from('Name: berth-xmlbad\nVersion: 1\nRelease: 1\nSummary: bad \uFFFE char\nLicense: MIT\n' +
      'BuildArch: noarch\n%description\nd \uFFFF\n%files\n', 'utf8');
    const [xmlBad] = await rpmbuild('berth-xmlbad', xmlBadSpec, join(work, 'xmlbad'));
    if (!lib || !app || !good || !xmlBad) throw new Error('rpmbuild produced no package');
    await rpmSign([app], 'ed25519');
    await rpmSign([good, xmlBad], 'rsa');
    files['xml-forbidden'] = xmlBad;
    files['unsigned'] = lib;
    files['untrusted'] = app;
    files['good'] = good;
    const bytes = readFileSync(good);
    files['truncated'] = join(work, 'truncated.rpm');
    writeFileSync(files['truncated'], bytes.subarray(0, 1000));
    files['not-an-rpm'] = join(work, 'README.rpm');
    writeFileSync(files['not-an-rpm'], 'This is a text file with an .rpm name.\n'.repeat(20));
    files['oversize'] = join(work, 'big.rpm');
    writeFileSync(files['oversize'], Buffer.concat([bytes, randomBytes(MAX)]));
    // signed by the trusted key, but a payload byte changed: only the payload digest notices
    files['corrupted'] = join(work, 'lib-corrupted.rpm');
    const corrupted = Buffer.from(bytes);
    corrupted[corrupted.length - 10]! ^= 0x01;
    writeFileSync(files['corrupted'], corrupted);
    files['drpm'] = join(work, 'tour.drpm');
    writeFileSync(files['drpm'], deltaRpm());

    server = await startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_MAX_UPLOAD_BYTES: String(MAX) } });
    expect((await berthAs(server, ADMIN, ['tenant', 'create', 'acme'])).code).toBe(0);
    expect((await berthAs(server, ADMIN, ['repo', 'create', 'acme/main'])).code).toBe(0);
    admin = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'admin', '--json'])).token;
    publish = jsonOf<{ token: string }>(await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'publish', '--json'])).token;
    expect((await berthAs(server, admin, ['key', 'add', 'acme', keys.rsa.publicKeyFile])).code).toBe(0);
  }, 240_000);

  afterAll(async () => {
    if (server) {
      expect(await server.stop()).toBe(0);
      for (const secret of [ADMIN, admin, publish].filter((s) => s !== '')) expect(server.stderr()).not.toContain(secret);
    }
  }, 60_000);

  const expected: Array<[name: string, status: number, code: string]> = [
    ['unsigned', 422, 'unsigned'],
    ['untrusted', 422, 'untrusted_key'],
    ['truncated', 422, 'not_an_rpm'],
    ['not-an-rpm', 422, 'not_an_rpm'],
    ['oversize', 413, 'package_too_large'],
    ['xml-forbidden', 422, 'unrepresentable_metadata'],
    ['corrupted', 422, 'digest_mismatch'],
    ['drpm', 422, 'delta_rpm'],
  ];

  it('refuses each bad upload with its documented status and code, leaving storage as it was', async () => {
    // A token's first use is recorded on its record (to the hour): use it once before the listing.
    expect((await fetch(`${server.url}/api/v1/repos/acme/main/packages`, { headers: { authorization: `Bearer ${publish}` } })).status).toBe(200);
    const before = storageListing();
    expect(before.length).toBeGreaterThan(0);
    const cases = expected;
    const r = await berthAs(server, publish, ['push', 'acme/main', '--jobs', '4', '--json', ...cases.map(([n]) => files[n]!)]);
    expect(r.code, r.stderr).toBe(1);
    const out = jsonOf<PushJson>(r);
    expect(out.failed).toBe(cases.length);
    const got = out.results.map((x) => [x.file, x.status, x.code]);
    expect(got).toEqual(cases.map(([n, status, code]) => [files[n], status, code]));
    for (const x of out.results) expect(x.detail, x.file).toBeTruthy();

    // Over the limit without a Content-Length: refused while streaming, not after.
    const chunked = await fetch(`${server.url}/api/v1/repos/acme/main/packages`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${publish}`, 'content-type': 'application/x-rpm' },
      body: new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(MAX / 4));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { code: string }).code).toBe('package_too_large');

    expect(storageListing()).toEqual(before);
  }, 120_000);

  it('an upload the client aborts mid-body is a quiet 499: nothing stored, no error or stack logged', async () => {
    const before = storageListing();
    const { hostname, port } = new URL(server.url);
    const logged = server.stderr().length;
    await new Promise<void>((resolve, reject) => {
      const s = connect(Number(port), hostname, () => {
        s.write(`PUT /api/v1/repos/acme/main/packages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${publish}\r\n` +
          `Content-Type: application/x-rpm\r\nContent-Length: ${MAX - 1}\r\n\r\n`);
        s.write(randomBytes(8192), () => setTimeout(() => { s.destroy(); resolve(); }, 200));
      });
      s.on('error', reject);
    });
    const lines = async (): Promise<Array<Record<string, unknown>>> => server.stderr().slice(logged).split('\n')
      .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // (stderr of earlier requests may still be arriving: look for this request's line, not "the" line)
    const aborted = (l: Record<string, unknown>): boolean => l['method'] === 'PUT' && l['status'] === 499;
    for (let i = 0; i < 100 && !(await lines()).some(aborted); i++) await new Promise((r) => setTimeout(r, 50));
    const after = await lines();
    expect(after.filter(aborted).map((l) => [l['level'], l['msg']])).toEqual([['info', 'request']]);
    expect(after.filter((l) => l['level'] !== 'info')).toEqual([]);
    expect(server.stderr().slice(logged)).not.toContain('stack');
    expect(storageListing()).toEqual(before);
  }, 60_000);

  it('accepts a package signed by the trusted key (the refusals were not a broken setup)', async () => {
    const r = await berthAs(server, publish, ['push', 'acme/main', '--json', files['good']!]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf<PushJson>(r).results[0]).toMatchObject({ ok: true, status: 201 });
  }, 60_000);

  it('human output: refused (the server said no) and failed (here) are told apart, and the summary always comes last', async () => {
    const missing = join(work, 'not-there.rpm');
    const r = await berthAs(server, publish, ['push', 'acme/main', '--jobs', '1', files['unsigned']!, missing, files['good']!]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^refused {3}berth-lib-[^:]+: .+ \(422, unsigned\)$/m);
    expect(r.stderr).toMatch(/^failed {4}not-there\.rpm: .+ \(unreadable\)$/m);
    expect(r.stdout).toMatch(/^unchanged berth-lib-/m);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('1 of 3 pushed, 1 refused, 1 failed');
    // one file: the summary too
    const one = await berthAs(server, publish, ['push', 'acme/main', files['good']!]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trimEnd().split('\n').pop()).toBe('1 of 1 pushed');
    // nobody listening: failed, not refused
    const port = await freePort();
    const down = await berth(['push', 'acme/main', files['good']!], { allowFail: true, env: { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_TOKEN: publish } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^failed {4}[^:]+: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED \(request_failed\)$/m);
    expect(down.stdout.trimEnd()).toBe('0 of 1 pushed, 1 failed');
  }, 60_000);

  it('usage errors exit 2', async () => {
    expect((await berthAs(server, publish, ['push', 'acme'])).code).toBe(2);
    expect((await berthAs(server, publish, ['token', 'create', 'acme', '--scope', 'root'])).code).toBe(2);
    expect((await berthAs(server, publish, ['repo', 'frobnicate'])).code).toBe(2);
  }, 60_000);
});
