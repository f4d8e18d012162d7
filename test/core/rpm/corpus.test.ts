// The reader against every third-party package of the shared corpus and createrepo_c's
// reference repodata for them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import type { RpmReadResult } from '../../../src/core/rpm/index.js';
import { readRepo } from '../../helpers/repodata.js';
import { announceSkip, corpusDir, corpusSkipReason } from '../../helpers/tools.js';
import { chunks, fileStream, nevraOf } from './support.js';

interface ManifestEntry {
  file: string;
  nevra: string | null;
  arch: string;
  source: boolean;
  format: 'v4' | 'v6';
  size: number;
  sha256: string;
  notes: string;
}

const corpus = corpusDir();
const manifest: ManifestEntry[] =
  corpus === null ? [] : (JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as ManifestEntry[]).filter((e) => e.nevra !== null);
const CORRUPTED = 'hello-2.0-1.x86_64-corrupted.rpm';
const EMPTY_SHA256 = createHash('sha256').digest('hex');

const reason = corpusSkipReason();
announceSkip('readRpm on the third-party corpus', reason);

describe.skipIf(reason !== null)('readRpm on the third-party corpus', () => {
  const results = new Map<string, RpmReadResult>();
  const read = async (e: ManifestEntry): Promise<RpmReadResult> => {
    let r = results.get(e.file);
    if (r === undefined) {
      r = await readRpm(fileStream(join(corpus as string, 'files', e.file), 4096), nodePlatform);
      results.set(e.file, r);
    }
    return r;
  };

  it('covers packages of both formats, sources and a delta rpm', () => {
    expect(manifest.length).toBeGreaterThan(40);
    expect(manifest.some((e) => e.format === 'v6')).toBe(true);
    expect(manifest.some((e) => e.source)).toBe(true);
    expect(manifest.some((e) => e.file.endsWith('.drpm'))).toBe(true);
  });

  for (const e of manifest) {
    it(`${e.file}: identity, file digest and header digests`, async () => {
      const r = await read(e);
      const p = r.pkg;
      expect(nevraOf(p, e.arch)).toBe(e.nevra);
      expect(p.isSource).toBe(e.source);
      expect(p.arch).toBe(e.source ? 'src' : e.arch);
      if (e.source) expect(p.sourceRpm).toBe('');
      else expect(p.sourceRpm).toMatch(/\.src\.rpm$/);
      expect(r.format).toBe(e.format === 'v6' ? 6 : 4);
      expect(r.computed.fileSha256).toBe(e.sha256);
      expect(r.computed.fileSize).toBe(e.size);
      expect(p.payloadFormat).toBe(e.file.endsWith('.drpm') ? 'drpm' : 'cpio');
      expect(r.header.length).toBe(p.headerEnd - p.headerStart);
      expect(r.computed.headerPayloadSize).toBe(e.size - p.headerStart);

      const s = r.signatureHeader;
      if (s.headerSha1 !== null) expect(s.headerSha1).toBe(r.computed.headerSha1);
      if (s.headerSha256 !== null) expect(s.headerSha256).toBe(r.computed.headerSha256);
      if (s.md5 !== null) expect(s.md5).toBe(r.computed.md5);
      if (s.size !== null) expect(s.size).toBe(r.computed.headerPayloadSize);
      expect(s.headerSha256 ?? s.headerSha1 ?? s.md5).not.toBeNull();
      if (e.file.endsWith(CORRUPTED)) {
        expect(r.payloadDigest).not.toBeNull();
        expect(r.computed.payloadSha256).toBe(EMPTY_SHA256);
        expect(r.payloadDigest?.hex).not.toBe(r.computed.payloadSha256);
      } else if (r.payloadDigest !== null) {
        expect(r.payloadDigest.algorithm).toBe(8);
        expect(r.payloadDigest.hex).toBe(r.computed.payloadSha256);
      }
    });
  }

  it('finds the signature packets the manifest lists, with their scope', async () => {
    const all = JSON.parse(readFileSync(join(corpus as string, 'manifest.json'), 'utf8')) as (ManifestEntry & { signatures: unknown[] })[];
    for (const e of manifest) {
      const r = await read(e);
      const listed = all.find((x) => x.file === e.file)?.signatures.length ?? 0;
      expect(r.signatureHeader.signatures.length > 0, e.file).toBe(listed > 0);
      for (const sig of r.signatureHeader.signatures) {
        expect(sig.scope).toBe(sig.tag === 1002 || sig.tag === 1005 ? 'legacy' : 'header');
        // Every packet is an OpenPGP signature packet: tag 2 in old or new format.
        const ctb = sig.packet[0] ?? 0;
        expect((ctb & 0x40) !== 0 ? ctb & 0x3f : (ctb >> 2) & 0x0f, e.file).toBe(2);
      }
    }
    const multi = manifest.find((e) => e.file.includes('multiple-signatures'));
    if (multi !== undefined) expect((await read(multi)).signatureHeader.signatures.filter((s) => s.tag === 278).length).toBe(2);
  });

  it('gives the same result whatever the chunking of the stream', async () => {
    const e = manifest.find((x) => x.file.includes('complex-package')) ?? manifest[0];
    if (e === undefined) return;
    const bytes = new Uint8Array(readFileSync(join(corpus as string, 'files', e.file)));
    const whole = await readRpm(chunks(bytes, bytes.length), nodePlatform);
    for (const size of [1, 7, 4096]) {
      const r = await readRpm(chunks(bytes, size), nodePlatform);
      expect(r.pkg).toEqual(whole.pkg);
      expect({ ...r.computed, headerPayload: {} }).toEqual({ ...whole.computed, headerPayload: {} });
    }
  });

  it('matches the fields createrepo_c wrote to the reference repodata', async () => {
    const repo = readRepo(join(corpus as string, 'reference'));
    let compared = 0;
    for (const e of manifest) {
      if (e.file.endsWith(CORRUPTED)) continue;
      const ref = [...repo.packages.values()].find((p) => p.pkgid === e.sha256);
      if (ref === undefined) continue;
      const { pkg: p } = await read(e);
      const label = e.file;
      expect(p.name, label).toBe(ref.name);
      expect(p.arch, label).toBe(ref.arch);
      expect(String(p.epoch ?? 0), label).toBe(ref.version['epoch']);
      expect(p.version, label).toBe(ref.version['ver']);
      expect(p.release, label).toBe(ref.version['rel']);
      expect(
        [p.summary, p.description, p.packager, p.url, p.license, p.vendor, p.group, p.buildHost, p.sourceRpm],
        label,
      ).toEqual([ref.summary, ref.description, ref.packager, ref.url, ref.license, ref.vendor, ref.group, ref.buildhost, ref.sourcerpm]);
      expect(String(p.buildTime), label).toBe(ref.time['build']);
      expect(String(p.installedSize), label).toBe(ref.size['installed']);
      // createrepo_c 0.17 knows no v6 size tag and writes 0; we take PAYLOADSIZEALT (5113).
      if (e.format === 'v6') expect(p.archiveSize, label).toBeGreaterThan(0);
      else expect(String(p.archiveSize), label).toBe(ref.size['archive']);
      expect([String(p.headerStart), String(p.headerEnd)], label).toEqual([ref.headerRange['start'], ref.headerRange['end']]);
      expect(p.files.map((f) => ({ path: f.path, type: f.type })), label).toEqual(ref.filelists?.files ?? []);
      const provides = ref.provides ?? [];
      expect(p.provides.map((d) => d.name), label).toEqual(provides.map((d) => d.name));
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('re-encodes non-UTF-8 strings as createrepo_c does', async () => {
    const latin = manifest.find((e) => e.file.includes('balicek-iso88591'));
    const utf8 = manifest.find((e) => e.file.includes('balicek-utf8'));
    if (latin === undefined || utf8 === undefined) return;
    const a = (await read(latin)).pkg;
    const b = (await read(utf8)).pkg;
    expect(a.description).not.toContain('\ufffd');
    expect(b.description).toMatch(/[\u0080-\uffff]/);
    // createrepo_c's rule: Latin-1 letters 0xC0-0xFF survive as themselves, nothing else.
    expect(a.summary + a.description).toMatch(/[\u00c0-\u00ff]/);
    expect(a.summary + a.description + a.requires.map((d) => d.name).join('')).not.toMatch(/[\u0080-\u00bf\u0100-\uffff]/);
  });
});
