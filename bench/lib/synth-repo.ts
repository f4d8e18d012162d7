/**
 * Writes N realistic, distinct, well-formed (unsigned) packages quickly, for benchmarks: each has
 * ~12 files in 4 directories, provides/requires, 12 changelog entries and a gzip payload, with
 * correct header SHA-1/SHA-256, MD5 and payload digests. rpmbuild would take ~15 s per 1,000.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bin, header, i16, i18n, i32, rpmFile, str, strs, type Value } from '../../test/core/rpm/build-rpm.js';

const md = (alg: string, ...parts: Uint8Array[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};

export interface SynthOptions {
  /** Adds that many incompressible payload bytes (to reach a target package size). */
  padBytes?: number;
  /**
   * Adds that many incompressible bytes quickly (AES-CTR keyed by the package name), stored
   * uncompressed in the gzip payload: for real-size packages of megabytes.
   */
  payloadBytes?: number;
}

/** Deterministic incompressible bytes, fast enough for gigabytes. */
function noise(seed: Uint8Array, n: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  return Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]);
}

export function synthPackage(i: number, opts: SynthOptions = {}): { name: string; bytes: Uint8Array } {
  const p = synthParts(i, opts);
  return { name: p.name, bytes: sealRpm(p.main, p.payload, p.payloadSize) };
}

/** The encoded main header and compressed payload of synthetic package `i` (to seal, or sign and seal). */
export function synthParts(i: number, opts: SynthOptions = {}): { name: string; main: Uint8Array; payload: Uint8Array; payloadSize: number } {
  const name = `bench-pkg-${String(i).padStart(6, '0')}`;
  const dirs = ['/usr/bin/', `/usr/share/${name}/`, `/usr/share/doc/${name}/`, `/etc/${name}/`];
  const baseNames: string[] = [];
  const dirIndexes: number[] = [];
  for (let f = 0; f < 12; f++) {
    const d = f === 0 ? 0 : f < 8 ? 1 : f < 11 ? 2 : 3;
    dirIndexes.push(d);
    baseNames.push(f === 0 ? name : `file-${f}.dat`);
  }
  const seed = createHash('sha256').update(name).digest();
  const lines = Array.from({ length: 64 }, (_, k) => Buffer.from(`${name} line ${k} ${seed.toString('hex')}\n`));
  const pad: Buffer[] = [];
  for (let n = 0, d = seed; n < (opts.padBytes ?? 0); n += d.length) pad.push((d = createHash('sha256').update(d).digest()));
  if (opts.payloadBytes) pad.push(noise(seed, opts.payloadBytes));
  const content = Buffer.concat([...lines, ...pad]);
  const payload = gzipSync(content, { level: opts.payloadBytes ? 0 : 6 });
  const changelogTimes = Array.from({ length: 12 }, (_, k) => 1700000000 - k * 86400 * 7);
  const tags: Record<number, Value> = {
    100: strs('C'),
    1000: str(name),
    1001: str(`${1 + (i % 7)}.${i % 13}.${i % 5}`),
    1002: str(`${1 + (i % 3)}.el9`),
    1004: i18n(`Benchmark package ${i} & friends`),
    1005: i18n(`A synthetic package used to measure repodata generation.\nNumber ${i}.`),
    1006: i32(1700000000 + i),
    1007: str('bench.example.com'),
    1009: i32(content.length),
    1011: str('Berth Bench'),
    1014: str('MIT'),
    1016: i18n('Development/Tools'),
    1020: str(`https://example.com/${name}?a=1&b=2`),
    1021: str('linux'),
    1022: str('x86_64'),
    1028: i32(...baseNames.map((_, k) => (k === 0 ? content.length : 10))),
    1030: i16(...baseNames.map(() => 0o100644)),
    1037: i32(...dirIndexes.map((d) => (d === 3 ? 1 : d === 2 ? 2 : 0))),
    1044: str(`${name}-1.0-1.el9.src.rpm`),
    1047: strs(name, `${name}(x86-64)`, `bench-cap-${i}`),
    1048: i32(0x4000, 0x8, 0x1000000a),
    1049: strs('/bin/sh', `bench-pkg-${String(Math.max(0, i - 1)).padStart(6, '0')}`, 'rpmlib(PayloadFilesHavePrefix)'),
    1050: strs('', '1.0', '4.0-1'),
    1080: i32(...changelogTimes),
    1081: strs(...changelogTimes.map((_, k) => `Dev ${k} <dev${k}@example.com> - 1.${k}`)),
    1082: strs(...changelogTimes.map((_, k) => `- change number ${k} for ${name}`)),
    1112: i32(0x8, 0x8, 0x8),
    1113: strs('1.0-1.el9', '1.0-1.el9', `${i}`),
    1116: i32(...dirIndexes),
    1117: strs(...baseNames),
    1118: strs(...dirs),
    1124: str('cpio'),
    1125: str('gzip'),
    1126: str('6'),
    5092: strs(md('sha256', payload).toString('hex')),
    5093: i32(8),
  };
  return { name, main: header(tags, 63), payload, payloadSize: content.length };
}

/**
 * The package file for an encoded `main` header and a compressed `payload` of `payloadSize` bytes
 * uncompressed: header SHA-1/SHA-256, size, MD5 in the signature header (plus `extra` tags, e.g. an
 * OpenPGP header signature), and a lead librpm takes.
 */
export function sealRpm(main: Uint8Array, payload: Uint8Array, payloadSize: number, extra: Record<number, Value> = {}): Uint8Array {
  const sig = header(
    {
      ...extra,
      269: str(md('sha1', main).toString('hex')),
      273: str(md('sha256', main).toString('hex')),
      1000: i32(main.length + payload.length),
      1004: bin(md('md5', main, payload)),
      1007: i32(payloadSize),
    },
    62,
  );
  const bytes = rpmFile({ sig, main, payload });
  // lead: signature_type 5 (header-style) and osnum 1 — librpm refuses other values
  bytes[77] = 1;
  bytes[79] = 5;
  return bytes;
}

/** Writes packages 1..n into dir/Packages/; all mtimes are left as written. */
export async function synthRepo(dir: string, n: number, opts: SynthOptions | ((i: number) => SynthOptions) = {}): Promise<void> {
  await mkdir(join(dir, 'Packages'), { recursive: true });
  const batch: Promise<void>[] = [];
  for (let i = 1; i <= n; i++) {
    const p = synthPackage(i, typeof opts === 'function' ? opts(i) : opts);
    batch.push(writeFile(join(dir, 'Packages', `${p.name}.x86_64.rpm`), p.bytes));
    if (batch.length >= 64 || (i % 8 === 0 && typeof opts === 'function')) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}
