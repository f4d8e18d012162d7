// Reads a repository's repodata (repomd.xml + primary/filelists/other, gz or zst) into plain,
// normalized per-package objects so two repositories can be compared field by field.
// Test-only: files are read whole, which is fine for fixture-sized metadata.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';

export type Attrs = Record<string, string>;

export interface RepomdRecord {
  type: string;
  checksum: { type: string; value: string };
  openChecksum?: { type: string; value: string };
  href: string;
  timestamp: string;
  size: string;
  openSize?: string;
  other: Record<string, string>;
}

export interface Repomd {
  revision: string;
  records: RepomdRecord[];
}

export interface Dep extends Attrs {
  name: string;
}

export interface FileEntry {
  path: string;
  type: string;
}

export interface Changelog {
  author: string;
  date: string;
  text: string;
}

/** One package as all three metadata files describe it. Absent lists are undefined, not []. */
export interface NormPackage {
  pkgid: string;
  checksumType: string;
  pkgidAttr: string;
  packageType: string;
  name: string;
  arch: string;
  version: Attrs;
  summary: string;
  description: string;
  packager: string;
  url: string;
  time: Attrs;
  size: Attrs;
  location: Attrs;
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  sourcerpm: string;
  headerRange: Attrs;
  provides?: Dep[];
  requires?: Dep[];
  conflicts?: Dep[];
  obsoletes?: Dep[];
  suggests?: Dep[];
  enhances?: Dep[];
  recommends?: Dep[];
  supplements?: Dep[];
  primaryFiles: FileEntry[];
  filelists?: { name: string; arch: string; version: Attrs; files: FileEntry[] };
  other?: { name: string; arch: string; version: Attrs; changelogs: Changelog[] };
}

export interface ParsedRepo {
  dir: string;
  repomd: Repomd;
  /** `packages="N"` of each root element, by metadata type. */
  declaredCounts: Record<string, number>;
  /** `<package>` element counts, by metadata type. */
  actualCounts: Record<string, number>;
  packages: Map<string, NormPackage>;
  /** `location href` of each primary package, in document order. */
  order: string[];
}

export const DEP_KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const;

const ARRAYS = new Set(['package', 'rpm:entry', 'file', 'changelog', 'data']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below in one pass, including numeric references (&#13;) that
  // fast-xml-parser leaves alone, without double-decoding `&amp;#13;`.
  processEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return NAMED[ref] ?? whole;
  });
}

type Node = Record<string, unknown>;

function obj(v: unknown): Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}
function attrs(v: unknown): Attrs {
  const a = obj(obj(v)['@']);
  const out: Attrs = {};
  for (const k of Object.keys(a).sort()) out[k] = decodeEntities(String(a[k]));
  return out;
}
/** Text content of an element that has only text (and maybe attributes). */
function text(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return decodeEntities(v);
  const t = obj(v)['#text'];
  return typeof t === 'string' ? decodeEntities(t) : '';
}

/** Byte length of the zstd frame (or skippable frame) starting at `at` (RFC 8878 §3.1). */
function zstdFrameLength(buf: Buffer, at: number): number {
  const magic = buf.readUInt32LE(at);
  if ((magic & 0xfffffff0) === 0x184d2a50) return 8 + buf.readUInt32LE(at + 4);
  if (magic !== 0xfd2fb528) throw new Error(`not a zstd frame at byte ${at}`);
  const fhd = buf[at + 4] ?? 0;
  const singleSegment = (fhd >> 5) & 1;
  const fcsSize = [singleSegment, 2, 4, 8][fhd >> 6] ?? 0;
  const didSize = [0, 1, 2, 4][fhd & 3] ?? 0;
  let pos = at + 5 + (singleSegment ? 0 : 1) + didSize + fcsSize;
  for (;;) {
    const header = buf.readUIntLE(pos, 3);
    const type = (header >> 1) & 3;
    pos += 3 + (type === 1 ? 1 : header >>> 3);
    if (header & 1) break;
  }
  return pos - at + ((fhd >> 2) & 1 ? 4 : 0);
}

/**
 * zstd with every frame decoded: Node's zstdDecompressSync stops after the first frame, while
 * libsolv (and the zstd CLI) read concatenated frames, which Berth's chunked writer produces.
 */
export function zstdDecompressAll(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < raw.length; ) {
    const len = zstdFrameLength(raw, at);
    if (raw.readUInt32LE(at) === 0xfd2fb528) parts.push(zstdDecompressSync(raw.subarray(at, at + len)));
    at += len;
  }
  return Buffer.concat(parts);
}

/** Decompresses by suffix, as libsolv does: the suffix must match the content. */
export function readMetadataFile(path: string): Buffer {
  const raw = readFileSync(path);
  if (path.endsWith('.gz')) return gunzipSync(raw);
  if (path.endsWith('.zst')) return zstdDecompressAll(raw);
  if (path.endsWith('.xml')) return raw;
  throw new Error(`unsupported metadata compression: ${path}`);
}

export function parseRepomd(xml: string): Repomd {
  const root = obj(obj(parser.parse(xml))['repomd']);
  const records: RepomdRecord[] = list(root['data']).map((d) => {
    const n = obj(d);
    const other: Record<string, string> = {};
    for (const k of Object.keys(n)) {
      if (!['@', '#text', 'checksum', 'open-checksum', 'location', 'timestamp', 'size', 'open-size'].includes(k)) other[k] = text(n[k]);
    }
    const oc = n['open-checksum'];
    return {
      type: attrs(d)['type'] ?? '',
      checksum: { type: attrs(n['checksum'])['type'] ?? '', value: text(n['checksum']) },
      ...(oc !== undefined ? { openChecksum: { type: attrs(oc)['type'] ?? '', value: text(oc) } } : {}),
      href: attrs(n['location'])['href'] ?? '',
      timestamp: text(n['timestamp']),
      size: text(n['size']),
      ...(n['open-size'] !== undefined ? { openSize: text(n['open-size']) } : {}),
      other,
    };
  });
  return { revision: text(root['revision']), records };
}

function deps(format: Node, kind: string): Dep[] | undefined {
  const el = format[`rpm:${kind}`];
  if (el === undefined) return undefined;
  return list(obj(el)['rpm:entry']).map((e) => attrs(e) as Dep);
}

function files(v: unknown): FileEntry[] {
  return list(v).map((f) => ({ path: text(f), type: attrs(f)['type'] ?? 'file' }));
}

function primaryPackage(p: unknown): NormPackage {
  const n = obj(p);
  const format = obj(n['format']);
  const checksum = attrs(n['checksum']);
  const pkg: NormPackage = {
    pkgid: text(n['checksum']),
    checksumType: checksum['type'] ?? '',
    pkgidAttr: checksum['pkgid'] ?? '',
    packageType: attrs(p)['type'] ?? '',
    name: text(n['name']),
    arch: text(n['arch']),
    version: attrs(n['version']),
    summary: text(n['summary']),
    description: text(n['description']),
    packager: text(n['packager']),
    url: text(n['url']),
    time: attrs(n['time']),
    size: attrs(n['size']),
    location: attrs(n['location']),
    license: text(format['rpm:license']),
    vendor: text(format['rpm:vendor']),
    group: text(format['rpm:group']),
    buildhost: text(format['rpm:buildhost']),
    sourcerpm: text(format['rpm:sourcerpm']),
    headerRange: attrs(format['rpm:header-range']),
    primaryFiles: files(format['file']),
  };
  for (const kind of DEP_KINDS) {
    const d = deps(format, kind);
    if (d !== undefined) pkg[kind] = d;
  }
  return pkg;
}

function rootOf(xml: string, rootName: string): Node {
  return obj(obj(parser.parse(xml))[rootName]);
}

/** Parses DIR/repodata into normalized packages. Throws on structural problems (missing record…). */
export function readRepo(dir: string): ParsedRepo {
  const repomd = parseRepomd(readFileSync(join(dir, 'repodata', 'repomd.xml'), 'utf8'));
  const record = (type: string): RepomdRecord => {
    const r = repomd.records.find((x) => x.type === type);
    if (r === undefined) throw new Error(`${dir}: repomd.xml has no ${type} record`);
    return r;
  };
  const load = (type: string, rootName: string): Node => rootOf(readMetadataFile(join(dir, record(type).href)).toString('utf8'), rootName);
  const primary = load('primary', 'metadata');
  const filelists = load('filelists', 'filelists');
  const other = load('other', 'otherdata');

  const declaredCounts: Record<string, number> = {};
  const actualCounts: Record<string, number> = {};
  for (const [type, root] of [['primary', primary], ['filelists', filelists], ['other', other]] as const) {
    declaredCounts[type] = Number(attrs(root)['packages']);
    actualCounts[type] = list(root['package']).length;
  }

  const packages = new Map<string, NormPackage>();
  for (const p of list(primary['package'])) {
    const pkg = primaryPackage(p);
    // Identical files at two paths share a pkgid; the location keeps them apart.
    const key = packages.has(pkg.pkgid) ? `${pkg.pkgid}@${pkg.location['href'] ?? ''}` : pkg.pkgid;
    packages.set(key, pkg);
  }
  const byPkgid = (pkgid: string): NormPackage | undefined =>
    [...packages.values()].find((p) => p.pkgid === pkgid && p.filelists === undefined);
  for (const p of list(filelists['package'])) {
    const a = attrs(p);
    const target = byPkgid(a['pkgid'] ?? '');
    if (target === undefined) throw new Error(`${dir}: filelists package ${a['pkgid']} not in primary`);
    const n = obj(p);
    target.filelists = { name: a['name'] ?? '', arch: a['arch'] ?? '', version: attrs(n['version']), files: files(n['file']) };
  }
  for (const p of list(other['package'])) {
    const a = attrs(p);
    const target = [...packages.values()].find((x) => x.pkgid === a['pkgid'] && x.other === undefined);
    if (target === undefined) throw new Error(`${dir}: other package ${a['pkgid']} not in primary`);
    const n = obj(p);
    const changelogs = list(n['changelog']).map((c) => ({ author: attrs(c)['author'] ?? '', date: attrs(c)['date'] ?? '', text: text(c) }));
    target.other = { name: a['name'] ?? '', arch: a['arch'] ?? '', version: attrs(n['version']), changelogs };
  }
  const order = [...packages.values()].map((p) => p.location['href'] ?? '');
  return { dir, repomd, declaredCounts, actualCounts, packages, order };
}

/** Problems with repomd.xml's self-consistency: checksums, sizes, counts. Empty when sound. */
export function repomdProblems(repo: ParsedRepo): string[] {
  const problems: string[] = [];
  for (const r of repo.repomd.records) {
    const path = join(repo.dir, r.href);
    const raw = readFileSync(path);
    const algo = r.checksum.type === 'sha' ? 'sha1' : r.checksum.type;
    if (createHash(algo).update(raw).digest('hex') !== r.checksum.value) problems.push(`${r.type}: checksum does not match ${r.href}`);
    if (String(raw.length) !== r.size) problems.push(`${r.type}: size ${r.size} != ${raw.length}`);
    if (!r.href.includes(r.checksum.value)) problems.push(`${r.type}: href ${r.href} is not named by its checksum`);
    if (r.openChecksum !== undefined) {
      const open = readMetadataFile(path);
      if (createHash(r.openChecksum.type).update(open).digest('hex') !== r.openChecksum.value) problems.push(`${r.type}: open-checksum mismatch`);
      if (String(open.length) !== r.openSize) problems.push(`${r.type}: open-size ${r.openSize} != ${open.length}`);
    }
  }
  for (const [type, n] of Object.entries(repo.declaredCounts)) {
    if (n !== repo.actualCounts[type]) problems.push(`${type}: packages="${n}" but ${repo.actualCounts[type]} <package> elements`);
  }
  return problems;
}
