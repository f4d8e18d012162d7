/**
 * Synthetic packages with many files and long paths, for metadata of a chosen size: package i
 * lists `files` files spread over 64 deep directories under /usr/share (so they land in
 * filelists.xml, not primary.xml), ~150 bytes of filelists XML each. The payload is a few bytes:
 * Berth reads only the header for metadata, so the file list need not exist in the payload.
 * Same header layout and digests as synth-repo.ts.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { i16, i18n, i32, str, strs, type Value } from '../../test/core/rpm/build-rpm.js';
import { sealRpm } from './synth-repo.js';

const DIRS = 64;
const TYPE_ID = { string: 6, i18n: 9, strings: 8, int16: 3, int32: 4, int64: 5, bin: 7 } as const;
const ALIGN = { string: 1, i18n: 1, strings: 1, int16: 2, int32: 4, int64: 8, bin: 1 } as const;
const enc = new TextEncoder();

function encodeValue(v: Value): Uint8Array {
  if (v.type === 'string') return enc.encode(`${v.value}\0`);
  if (v.type === 'i18n' || v.type === 'strings') return enc.encode(v.value.map((s) => `${s}\0`).join(''));
  if (v.type === 'bin') return v.value;
  const size = v.type === 'int16' ? 2 : v.type === 'int32' ? 4 : 8;
  const b = new Uint8Array(size * v.value.length);
  const dv = new DataView(b.buffer);
  v.value.forEach((n, i) => (size === 2 ? dv.setUint16(i * 2, n) : size === 4 ? dv.setUint32(i * 4, n) : dv.setBigUint64(i * 8, BigInt(n))));
  return b;
}

/**
 * build-rpm.ts's header() with the store kept as byte arrays (it spreads bytes into a number[],
 * which overflows the stack at a few hundred KB); same layout, region tag first.
 */
function header(tags: Record<number, Value>, region: number): Uint8Array {
  const entries = Object.entries(tags).map(([t, v]) => [Number(t), v] as const).sort((a, b) => a[0] - b[0]);
  const index: number[][] = [];
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const [tag, v] of entries) {
    const pad = (ALIGN[v.type] - (size % ALIGN[v.type])) % ALIGN[v.type];
    if (pad) parts.push(new Uint8Array(pad));
    size += pad;
    const bytes = encodeValue(v);
    index.push([tag, TYPE_ID[v.type], size, v.type === 'string' ? 1 : v.value.length]);
    parts.push(bytes);
    size += bytes.length;
  }
  const il = entries.length + 1;
  index.unshift([region, 7, size, 16]);
  const t = new DataView(new ArrayBuffer(16));
  t.setUint32(0, region);
  t.setUint32(4, 7);
  t.setInt32(8, -16 * il);
  t.setUint32(12, 16);
  parts.push(new Uint8Array(t.buffer));
  size += 16;
  const out = new Uint8Array(16 + 16 * index.length + size);
  const dv = new DataView(out.buffer);
  out.set([0x8e, 0xad, 0xe8, 0x01], 0);
  dv.setUint32(8, index.length);
  dv.setUint32(12, size);
  index.forEach((e, i) => e.forEach((x, j) => dv.setUint32(16 + 16 * i + 4 * j, x >>> 0)));
  let at = 16 + 16 * index.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const md = (alg: string, ...parts: Uint8Array[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Bytes of `<file>…</file>\n` lines package `i` contributes to filelists.xml (its dirs too). */
export function filelistsBytesOf(i: number, files: number): number {
  const { dirs, baseNames, dirIndexes } = fileList(i, files);
  let n = 0;
  for (let f = 0; f < files; f++) n += '<file>'.length + (dirs[dirIndexes[f] as number] as string).length + (baseNames[f] as string).length + '</file>\n'.length;
  for (const d of dirs) n += '<file type="dir">'.length + d.length - 1 + '</file>\n'.length;
  return n;
}

function fileList(i: number, files: number): { name: string; dirs: string[]; baseNames: string[]; dirIndexes: number[] } {
  const name = `bench-files-${String(i).padStart(6, '0')}`;
  const dirs = Array.from({ length: DIRS }, (_, d) => `/usr/share/${name}/lib/python3/site-packages/${name.replace(/-/g, '_')}/generated/module_${String(d).padStart(3, '0')}/`);
  const baseNames: string[] = [];
  const dirIndexes: number[] = [];
  for (let f = 0; f < files; f++) {
    dirIndexes.push(f % DIRS);
    baseNames.push(`resource-${String(f).padStart(6, '0')}-${(f * 2654435761 >>> 0).toString(16)}.dat`);
  }
  return { name, dirs, baseNames, dirIndexes };
}

export function synthFilesPackage(i: number, files: number): { name: string; bytes: Uint8Array } {
  const { name, dirs, baseNames, dirIndexes } = fileList(i, files);
  // the directories themselves are owned too, as rpm lists them (mode 040755)
  const allBase = [...baseNames, ...dirs.map((d) => d.slice(0, -1).split('/').at(-1) as string)];
  const parents = dirs.map((d) => d.slice(0, -1).split('/').slice(0, -1).join('/') + '/');
  const allDirs = [...dirs, ...parents.filter((p, k) => parents.indexOf(p) === k && !dirs.includes(p))];
  const allIdx = [...dirIndexes, ...parents.map((p) => allDirs.indexOf(p))];
  const content = Buffer.from(`${name}\n`);
  const payload = gzipSync(content);
  const tags: Record<number, Value> = {
    100: strs('C'),
    1000: str(name),
    1001: str(`1.${i % 13}`),
    1002: str('1.el9'),
    1004: i18n(`Package ${i} with ${files} files`),
    1005: i18n(`A synthetic package with a long file list, to measure regeneration memory.\nNumber ${i}.`),
    1006: i32(1700000000 + i),
    1007: str('bench.example.com'),
    1009: i32(content.length),
    1011: str('Berth Bench'),
    1014: str('MIT'),
    1016: i18n('Development/Tools'),
    1020: str(`https://example.com/${name}`),
    1021: str('linux'),
    1022: str('noarch'),
    1028: i32(...allBase.map((_, k) => (k < files ? 10 : 4096))),
    1030: i16(...allBase.map((_, k) => (k < files ? 0o100644 : 0o040755))),
    1037: i32(...allBase.map(() => 0)),
    1044: str(`${name}-1.0-1.el9.src.rpm`),
    1047: strs(name),
    1048: i32(0x8),
    1049: strs('rpmlib(PayloadFilesHavePrefix)'),
    1050: strs('4.0-1'),
    1112: i32(0x8),
    1113: strs('1.0-1.el9'),
    1116: i32(...allIdx),
    1117: strs(...allBase),
    1118: strs(...allDirs),
    1124: str('cpio'),
    1125: str('gzip'),
    1126: str('6'),
    5092: strs(md('sha256', payload).toString('hex')),
    5093: i32(8),
  };
  return { name, bytes: sealRpm(header(tags, 63), payload, content.length) };
}
