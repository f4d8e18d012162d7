// The worked example of formats.md §6: facts from the tag dumps in docs/example.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { rpmbuild } from '../../helpers/rpmbuild.js';
import { announceSkip, sharedDir, skipReason } from '../../helpers/tools.js';
import { fileStream } from './support.js';

const shared = sharedDir();
const example = shared === null ? '' : join(shared, 'docs', 'example');
const pkgs = join(example, 'pkgs');
const haveExample = shared !== null && existsSync(join(pkgs, 'hello-demo-1.2.3-4.noarch.rsa-signed.rpm'));

/** `main header: start=… il=… dl=… end=… filesize=…` and the recomputed digests of a dump. */
function dumpFacts(name: string): Record<string, string> {
  const text = readFileSync(join(example, name), 'utf8');
  const facts: Record<string, string> = {};
  const main = /main header: start=(\d+) il=(\d+) dl=(\d+) end=(\d+) filesize=(\d+)/.exec(text);
  if (main !== null) Object.assign(facts, { start: main[1], end: main[4], filesize: main[5] });
  for (const m of text.matchAll(/^(sha1\(header\)|sha256\(header\)|md5\(hdr\+payload\)|sha256\(payload\)|sha256\(file\))\s+([0-9a-f]+)$/gm)) {
    facts[m[1] as string] = m[2] as string;
  }
  return facts;
}

const exampleReason = haveExample ? null : 'worked example absent (../shared/docs/example/pkgs)';
announceSkip('readRpm hello-demo', exampleReason);

describe.skipIf(exampleReason !== null)('readRpm: hello-demo noarch (formats.md §6)', () => {
  const file = join(pkgs, 'hello-demo-1.2.3-4.noarch.rsa-signed.rpm');

  it('reads the header facts of parse-hello-demo-noarch.txt', async () => {
    const r = await readRpm(fileStream(file, 1000), nodePlatform);
    const p = r.pkg;
    const facts = dumpFacts('parse-hello-demo-noarch.txt');
    expect(r.format).toBe(4);
    expect([p.headerStart, p.headerEnd]).toEqual([4504, 7993]);
    expect([String(p.headerStart), String(p.headerEnd)]).toEqual([facts['start'], facts['end']]);
    expect(r.computed.fileSize).toBe(Number(facts['filesize']));
    expect(r.computed.fileSha256).toBe(facts['sha256(file)']);
    expect(r.computed.headerSha1).toBe(facts['sha1(header)']);
    expect(r.computed.headerSha256).toBe(facts['sha256(header)']);
    expect(r.computed.md5).toBe(facts['md5(hdr+payload)']);
    expect(r.computed.payloadSha256).toBe(facts['sha256(payload)']);
    expect(r.payloadDigest).toEqual({ hex: facts['sha256(payload)'], algorithm: 8 });
    expect(r.signatureHeader).toMatchObject({
      headerSha1: facts['sha1(header)'],
      headerSha256: facts['sha256(header)'],
      md5: facts['md5(hdr+payload)'],
      size: 8224 - 4504,
      headerSha3_256: null,
    });
    expect(r.signatureHeader.signatures.map((s) => [s.tag, s.scope, s.packet.length])).toEqual([[268, 'header', 327]]);
    expect([...(r.signatureHeader.signatures[0]?.packet.subarray(0, 3) ?? [])]).toEqual([0x89, 0x01, 0x44]);

    expect(p).toMatchObject({
      name: 'hello-demo', epoch: 2, version: '1.2.3', release: '4', arch: 'noarch', isSource: false,
      summary: 'Tiny demo <package> & friends',
      description: 'A tiny package used to document repodata generation.\nContains "quotes", <angle brackets> & ampersands.',
      packager: 'Demo Packager <demo@example.com>', url: 'https://example.com/hello?a=1&b=2', license: 'MIT',
      vendor: 'Demo Vendor', group: 'Applications/Demo', buildHost: 'vm', sourceRpm: 'hello-demo-1.2.3-4.src.rpm',
      buildTime: 1795959702, installedSize: 38, archiveSize: 980, payloadFormat: 'cpio',
    });
    expect(p.provides).toEqual([
      { name: 'config(hello-demo)', flags: 0x10000008, version: '2:1.2.3-4' },
      { name: 'hello-demo', flags: 8, version: '2:1.2.3-4' },
      { name: 'hello-virtual', flags: 8, version: '1.0' },
    ]);
    expect(p.requires.map((d) => d.flags)).toEqual([768, 1024, 1280, 16384, 0, 12, 8, 268435464, 16777226, 16777226, 16777226, 16777226, 512]);
    expect(p.requires.slice(0, 8).map((d) => [d.name, d.version])).toEqual([
      ['/bin/sh', ''], ['/bin/sh', ''], ['/bin/sh', ''], ['/bin/sh', ''], ['/usr/bin/hello-demo', ''],
      ['bash', '4.0'], ['config(hello-demo)', '2:1.2.3-4'], ['config(hello-demo)', '2:1.2.3-4'],
    ]);
    expect(p.requires[12]).toEqual({ name: 'shadow-utils', flags: 512, version: '' });
    expect(p.conflicts).toEqual([{ name: 'hello-old', flags: 2, version: '1.0' }]);
    expect(p.obsoletes).toEqual([{ name: 'hello-legacy', flags: 10, version: '0.9' }]);
    expect(p.recommends).toEqual([{ name: 'less', flags: 0, version: '' }]);
    expect(p.suggests).toEqual([{ name: 'vim-minimal', flags: 0, version: '' }]);
    expect(p.supplements).toEqual([{ name: '(bash and hello-virtual)', flags: 0, version: '' }]);
    expect(p.enhances).toEqual([{ name: 'bash', flags: 0, version: '' }]);
    expect([p.oldSuggests, p.oldEnhances]).toEqual([[], []]);
    expect(p.files).toEqual([
      { path: '/etc/hello-demo', type: 'dir' },
      { path: '/etc/hello-demo/hello.conf', type: 'file' },
      { path: '/usr/bin/hello-demo', type: 'file' },
      { path: '/usr/share/hello-demo', type: 'dir' },
      { path: '/usr/share/hello-demo/data.txt', type: 'file' },
      { path: '/var/lib/hello-demo', type: 'dir' },
      { path: '/var/lib/hello-demo/state', type: 'ghost' },
    ]);
    expect(p.changelog).toEqual([
      { author: 'Alice Example <alice@example.com> - 2:1.2.3-4', time: 1704196800, text: '- Second entry with <xml> & stuff' },
      { author: 'Bob Example <bob@example.com> - 2:1.2.3-3', time: 1704110400, text: '- First entry' },
    ]);
    // H is exactly the file's [headerStart, headerEnd).
    const bytes = readFileSync(file);
    expect(Buffer.from(r.header).equals(bytes.subarray(4504, 7993))).toBe(true);
  });

  it('signing changes only the signature header: same H in every variant; scopes per tag', async () => {
    const variants = {
      'unsigned': [],
      'rsa-signed': [[268, 'header']],
      'ed25519-signed': [[267, 'header']],
      'rsa-v3v4-signed': [[268, 'header'], [1002, 'legacy']],
    } as const;
    const hashes = new Set<string>();
    for (const [v, sigs] of Object.entries(variants)) {
      const r = await readRpm(fileStream(join(pkgs, `hello-demo-1.2.3-4.noarch.${v}.rpm`)), nodePlatform);
      hashes.add(r.computed.headerSha256);
      expect(r.signatureHeader.signatures.map((s) => [s.tag, s.scope]), v).toEqual(sigs);
      expect(r.pkg.headerEnd - r.pkg.headerStart).toBe(7993 - 4504);
    }
    expect(hashes.size).toBe(1);
  });

  it('runs the requested H ‖ P hashes, unfinalised, after seeing the signature header', async () => {
    const v3 = join(pkgs, 'hello-demo-1.2.3-4.noarch.rsa-v3v4-signed.rpm');
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

  it('edge-nofiles: no files, Latin-1 text re-encoded, changelog kept whole', async () => {
    const r = await readRpm(fileStream(join(pkgs, 'edge-nofiles-0.1-1.noarch.rpm')), nodePlatform);
    expect(r.pkg.files).toEqual([]);
    const text = JSON.stringify(r.pkg);
    expect(text).not.toContain('\\ufffd');
    expect(text).not.toMatch(/[\u0080-\u00bf]/);
    expect(r.pkg.changelog.length).toBeGreaterThanOrEqual(2);
  });
});

const srcReason = exampleReason ?? skipReason({ tools: ['rpmbuild'] });
announceSkip('readRpm hello-demo source rpm', srcReason);

describe.skipIf(srcReason !== null)('readRpm: hello-demo source rpm', () => {
  const out = mkdtempSync(join(tmpdir(), 'berth-rpm-src-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('reads the facts of parse-hello-demo-src.txt from a fresh rpmbuild -bs', async () => {
    const spec = join(example, 'specs', 'hello-demo.spec');
    const [srpm] = await rpmbuild('hello-demo', readFileSync(spec), out, { mode: 'bs' });
    expect(srpm).toBeDefined();
    const r = await readRpm(fileStream(srpm as string), nodePlatform);
    const p = r.pkg;
    expect(r.format).toBe(4);
    expect(p).toMatchObject({
      name: 'hello-demo', epoch: 2, version: '1.2.3', release: '4', arch: 'src', isSource: true, sourceRpm: '',
      summary: 'Tiny demo <package> & friends', installedSize: statSync(spec).size,
    });
    expect(p.files).toEqual([{ path: 'hello-demo.spec', type: 'file' }]);
    expect(p.provides).toEqual([{ name: 'hello-demo', flags: 8, version: '2:1.2.3-4' }]);
    expect(p.requires.every((d) => d.name.startsWith('rpmlib(') && d.flags === 16777226)).toBe(true);
    expect(p.changelog.map((c) => c.time)).toEqual([1704196800, 1704110400]);
    expect(r.signatureHeader.headerSha256).toBe(r.computed.headerSha256);
    expect(r.signatureHeader.md5).toBe(r.computed.md5);
    expect(r.payloadDigest?.hex).toBe(r.computed.payloadSha256);
    expect(p.archiveSize).toBeGreaterThan(p.installedSize);
    expect(p.headerStart % 8).toBe(0);
  });
});
