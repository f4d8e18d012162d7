// The reader against rpm itself: packages built here (every fixture spec, binary and source,
// and the signed berth-signed variants) read by readRpm and by `rpm -qp --qf`, which must agree
// on every value repodata uses. Header offsets are computed from the lead and header sizes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import type { RpmPackage } from '../../../src/core/model.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { decodeString } from '../../../src/core/rpm/strings.js';
import { buildFixtures, disposeFixtures, type Fixtures } from '../../helpers/rpmbuild.js';
import { disposeSignedPackages, signedPackages, SIGNED_VARIANTS, type SignedPackages } from '../../helpers/signed-packages.js';
import { announceSkip, findTool, skipReason } from '../../helpers/tools.js';
import { fileStream } from './support.js';

const reason = skipReason({ tools: ['rpm', 'rpmbuild', 'rpmsign', 'gpg'] });
announceSkip('readRpm against rpm -qp on packages built here', reason);

const FS = '\x1f';
const RS = '\x1e';
const DEP_TAGS: Record<string, keyof RpmPackage> = {
  PROVIDE: 'provides', REQUIRE: 'requires', CONFLICT: 'conflicts', OBSOLETE: 'obsoletes',
  RECOMMEND: 'recommends', SUGGEST: 'suggests', SUPPLEMENT: 'supplements', ENHANCE: 'enhances',
};
const SCALARS = ['NAME', 'EPOCH', 'VERSION', 'RELEASE', 'ARCH', 'SUMMARY', 'DESCRIPTION', 'PACKAGER', 'URL', 'LICENSE', 'VENDOR', 'GROUP',
  'BUILDHOST', 'SOURCERPM', 'SOURCEPACKAGE', 'BUILDTIME', 'LONGSIZE', 'LONGARCHIVESIZE', 'PAYLOADFORMAT', 'SHA1HEADER', 'SHA256HEADER',
  'SIGMD5', 'PAYLOADDIGEST', 'SIGSIZE'];

/** One `rpm -qp --qf` query, split into fields; each field decoded from rpm's raw bytes. */
function rpmQuery(file: string, format: string): string[][] {
  const out = execFileSync(findTool('rpm') as string, ['-qp', '--nosignature', '--nodigest', '--qf', format, file], {
    env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  const records = splitBytes(out, 0x1e);
  if (records.length > 0 && records[records.length - 1]!.length === 0) records.pop();
  return records.map((r) => splitBytes(r, 0x1f).map((f) => decodeString(f)));
}

function splitBytes(b: Buffer, sep: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = b.indexOf(sep); i >= 0; i = b.indexOf(sep, at)) {
    out.push(b.subarray(at, i));
    at = i + 1;
  }
  out.push(b.subarray(at));
  return out;
}

/** What rpm says, shaped like the reader's model. */
function rpmFacts(file: string): Record<string, unknown> {
  const [values] = rpmQuery(file, SCALARS.map((t) => `%{${t}}`).join(FS) + RS);
  const v = Object.fromEntries(SCALARS.map((t, i) => [t, values![i] === '(none)' ? null : values![i]!]));
  const isSource = v['SOURCEPACKAGE'] !== null && v['SOURCEPACKAGE'] !== '0';
  const deps = Object.fromEntries(Object.entries(DEP_TAGS).map(([tag, field]) => [
    field, rpmQuery(file, `[%{${tag}NAME}${FS}%{${tag}FLAGS}${FS}%{${tag}VERSION}${RS}]`).map(([name, flags, version]) => ({ name, flags: Number(flags), version })),
  ]));
  const files = rpmQuery(file, `[%{FILENAMES}${FS}%{FILEMODES}${FS}%{FILEFLAGS}${RS}]`).map(([path, mode, flags]) => ({
    path, type: (Number(mode) & 0xf000) === 0x4000 ? 'dir' : (Number(flags) & 0x40) !== 0 ? 'ghost' : 'file',
  }));
  const changelog = rpmQuery(file, `[%{CHANGELOGTIME}${FS}%{CHANGELOGNAME}${FS}%{CHANGELOGTEXT}${RS}]`).map(([time, author, text]) => ({ author, time: Number(time), text }));
  return {
    pkg: {
      name: v['NAME'], epoch: v['EPOCH'] === null ? null : Number(v['EPOCH']), version: v['VERSION'], release: v['RELEASE'],
      arch: isSource ? 'src' : v['ARCH'], isSource, summary: v['SUMMARY'] ?? '', description: v['DESCRIPTION'] ?? '',
      packager: v['PACKAGER'] ?? '', url: v['URL'] ?? '', license: v['LICENSE'] ?? '', vendor: v['VENDOR'] ?? '', group: v['GROUP'] ?? '',
      buildHost: v['BUILDHOST'] ?? '', sourceRpm: v['SOURCERPM'] ?? '', buildTime: Number(v['BUILDTIME']), installedSize: Number(v['LONGSIZE']),
      archiveSize: Number(v['LONGARCHIVESIZE']), payloadFormat: v['PAYLOADFORMAT'], ...deps, files, changelog,
    },
    headerSha1: v['SHA1HEADER'], headerSha256: v['SHA256HEADER'], md5: v['SIGMD5'], payloadDigest: v['PAYLOADDIGEST'], size: Number(v['SIGSIZE']),
  };
}

/** [start, end) of the main header: after the 96-byte lead and the 8-aligned signature header. */
function headerRange(bytes: Buffer): [number, number] {
  const sigLen = 16 + 16 * bytes.readUInt32BE(96 + 8) + bytes.readUInt32BE(96 + 12);
  const start = 96 + sigLen + ((8 - (sigLen % 8)) % 8);
  return [start, start + 16 + 16 * bytes.readUInt32BE(start + 8) + bytes.readUInt32BE(start + 12)];
}

describe.skipIf(reason !== null)('readRpm agrees with rpm -qp on packages built here', () => {
  let fx: Fixtures;
  let signed: SignedPackages;
  const files: string[] = [];

  beforeAll(async () => {
    [fx, signed] = await Promise.all([buildFixtures(), signedPackages()]);
    files.push(...[...Object.values(fx.binary), ...fx.source].map((n) => join(fx.dir, n)), ...Object.values(signed.file));
  }, 240_000);
  afterAll(async () => {
    await disposeFixtures();
    await disposeSignedPackages();
  });

  it('every value repodata uses, the digests and the header range, for each package (binary and source)', async () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const r = await readRpm(fileStream(file, 1000), nodePlatform);
      const want = rpmFacts(file);
      const { headerStart, headerEnd, oldSuggests: _s, oldEnhances: _e, ...pkg } = r.pkg;
      expect(pkg, file).toEqual(want['pkg']);
      const bytes = readFileSync(file);
      expect([headerStart, headerEnd], file).toEqual(headerRange(bytes));
      expect(Buffer.from(r.header).equals(bytes.subarray(headerStart, headerEnd)), file).toBe(true);
      expect(r.format, file).toBe(4);
      expect(r.computed.fileSize).toBe(bytes.length);
      expect(r.computed.fileSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(r.signatureHeader).toMatchObject({ headerSha1: want['headerSha1'], headerSha256: want['headerSha256'], md5: want['md5'], size: want['size'] });
      expect([r.computed.headerSha1, r.computed.headerSha256, r.computed.md5]).toEqual([want['headerSha1'], want['headerSha256'], want['md5']]);
      expect(r.payloadDigest).toEqual({ hex: want['payloadDigest'], algorithm: 8 });
      expect(r.computed.payloadSha256).toBe(want['payloadDigest']);
      expect(r.computed.headerPayloadSize).toBe(bytes.length - headerStart);
    }
  });

  it('Latin-1 text is re-encoded to UTF-8; a package without files has none', async () => {
    const r = await readRpm(fileStream(join(fx.dir, fx.binary['berth-latin1']!)), nodePlatform);
    expect(r.pkg).toMatchObject({ summary: 'Café summary in Latin-1', files: [] });
    expect(JSON.stringify(r.pkg)).not.toContain('\\ufffd');
    expect(r.pkg.changelog).toHaveLength(1);
  });

  it('source packages: arch src, no SOURCERPM, the spec among the files', async () => {
    expect(fx.source.length).toBeGreaterThan(0);
    for (const name of fx.source) {
      const r = await readRpm(fileStream(join(fx.dir, name)), nodePlatform);
      expect(r.pkg, name).toMatchObject({ arch: 'src', isSource: true, sourceRpm: '' });
      expect(r.pkg.files.map((f) => f.path), name).toContain(`${r.pkg.name}.spec`);
      expect(r.pkg.headerStart % 8).toBe(0);
    }
  });

  it('signing changes only the signature header: same H in every variant; scopes per tag', async () => {
    const want: Record<string, [number, string][]> = {
      'unsigned': [], 'rsa-signed': [[268, 'header']], 'ed25519-signed': [[267, 'header']], 'rsa-v3v4-signed': [[268, 'header'], [1002, 'legacy']],
    };
    const hashes = new Set<string>();
    for (const v of SIGNED_VARIANTS) {
      const r = await readRpm(fileStream(signed.file[v]), nodePlatform);
      hashes.add(r.computed.headerSha256);
      expect(r.signatureHeader.signatures.map((s) => [s.tag, s.scope]), v).toEqual(want[v]);
    }
    expect(hashes.size).toBe(1);
  });

  it('runs the requested H ‖ P hashes, unfinalised, after seeing the signature header', async () => {
    const v3 = signed.file['rsa-v3v4-signed'];
    let seen: number[] = [];
    const r = await readRpm(fileStream(v3, 333), nodePlatform, {
      headerPayloadHashes: (sig) => {
        seen = sig.signatures.map((s) => s.tag);
        return ['sha512', 'sha1'];
      },
    });
    expect(seen).toEqual([268, 1002]);
    const bytes = readFileSync(v3).subarray(r.pkg.headerStart);
    const trailer = Buffer.from('trailer');
    const h = r.computed.headerPayload.sha512;
    expect(h).toBeDefined();
    h?.update(trailer);
    expect(Buffer.from(h?.digest() ?? []).toString('hex')).toBe(createHash('sha512').update(bytes).update(trailer).digest('hex'));
    expect(Buffer.from(r.computed.headerPayload.sha1?.digest() ?? []).toString('hex')).toBe(createHash('sha1').update(bytes).digest('hex'));
    expect(r.computed.headerPayload.md5).toBeUndefined();
  });
});
