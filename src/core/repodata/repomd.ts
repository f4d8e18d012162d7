/**
 * repomd.xml exactly as createrepo_c 0.17.3 writes it (formats.md §3.7): a pure function of
 * its input, so the caller decides revision and timestamps (no clock here).
 */
import { escapeAttr, escapeText } from './xml-escape.js';

export interface RepomdRecord {
  /** `primary`, `filelists`, `other`, `primary_zck`, `updateinfo`, … */
  type: string;
  /** Hex checksum of the file as stored. */
  checksum: string;
  /** Default `sha256`. */
  checksumType?: string;
  /** Uncompressed checksum; omit for files stored uncompressed. */
  openChecksum?: string;
  openChecksumType?: string;
  /** zchunk only. */
  headerChecksum?: string;
  headerChecksumType?: string;
  /** `repodata/<file>`. */
  location: string;
  /** Unix seconds (createrepo_c: the metadata file's mtime). */
  timestamp: number;
  size: number;
  openSize?: number;
  headerSize?: number;
  /** Written for `*_db` types only (createrepo_c writes 10). */
  databaseVersion?: number;
}

export interface RepomdOptions {
  /** `<revision>` text; createrepo_c defaults to the current Unix time. */
  revision: string;
  tags?: { content?: string[]; repo?: string[]; distro?: { value: string; cpeid?: string }[] };
}

const FIRST = [
  'primary',
  'filelists',
  'other',
  'primary_db',
  'filelists_db',
  'other_db',
  'primary_zck',
  'filelists_zck',
  'other_zck',
];

/** createrepo_c's record order: the nine known types first, then the rest by name. */
export function compareRecordTypes(a: string, b: string): number {
  const ia = FIRST.indexOf(a);
  const ib = FIRST.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? FIRST.length : ia) - (ib < 0 ? FIRST.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

// repomd.xml is dumped as a document with an encoding: non-ASCII stays literal in attributes
const attr = (s: string): string => escapeAttr(s, false);

function recordXml(r: RepomdRecord): string {
  let s = `  <data type="${attr(r.type)}">\n`;
  s += `    <checksum type="${attr(r.checksumType ?? 'sha256')}">${escapeText(r.checksum)}</checksum>\n`;
  if (r.openChecksum !== undefined) {
    s += `    <open-checksum type="${attr(r.openChecksumType ?? 'sha256')}">${escapeText(r.openChecksum)}</open-checksum>\n`;
  }
  if (r.headerChecksum !== undefined) {
    s += `    <header-checksum type="${attr(r.headerChecksumType ?? 'sha256')}">${escapeText(r.headerChecksum)}</header-checksum>\n`;
  }
  s += `    <location href="${attr(r.location)}"/>\n`;
  s += `    <timestamp>${r.timestamp}</timestamp>\n`;
  s += `    <size>${r.size}</size>\n`;
  if (r.openSize !== undefined) s += `    <open-size>${r.openSize}</open-size>\n`;
  if (r.headerChecksum !== undefined && r.headerSize !== undefined) {
    s += `    <header-size>${r.headerSize}</header-size>\n`;
  }
  if (r.type.endsWith('_db')) s += `    <database_version>${r.databaseVersion ?? 10}</database_version>\n`;
  return s + '  </data>\n';
}

function tagsXml(tags: NonNullable<RepomdOptions['tags']>): string {
  const lines: string[] = [];
  for (const c of tags.content ?? []) lines.push(`    <content>${escapeText(c)}</content>\n`);
  for (const r of tags.repo ?? []) lines.push(`    <repo>${escapeText(r)}</repo>\n`);
  for (const d of tags.distro ?? []) {
    const cpe = d.cpeid !== undefined ? ` cpeid="${attr(d.cpeid)}"` : '';
    lines.push(`    <distro${cpe}>${escapeText(d.value)}</distro>\n`);
  }
  return lines.length ? `  <tags>\n${lines.join('')}  </tags>\n` : '';
}

export function repomdXml(records: readonly RepomdRecord[], opts: RepomdOptions): string {
  const sorted = [...records].sort((a, b) => compareRecordTypes(a.type, b.type));
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n' +
    `  <revision>${escapeText(opts.revision)}</revision>\n` +
    (opts.tags ? tagsXml(opts.tags) : '') +
    sorted.map(recordXml).join('') +
    '</repomd>\n'
  );
}
