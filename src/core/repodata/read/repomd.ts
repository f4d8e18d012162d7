/**
 * Reading repomd.xml (formats.md §3.7): the revision and, per `<data>` record, its type, checksum,
 * location (href and xml:base), sizes and timestamp — everything mirror, sync and `createrepo
 * --update` need, from one parser. The document is small and read whole (the callers bound its
 * size); it still goes through the bounded XML reader.
 */
import { RepodataReadError } from './errors.js';
import { XmlReader, type XmlLimits } from './xml-reader.js';

export interface Checksum {
  /** As written, lowercased: `sha256`, `sha` (SHA-1 in old createrepo output), `sha512`, … */
  type: string;
  /** Lowercase hex. */
  value: string;
}

export interface RepomdEntry {
  type: string;
  checksum: Checksum;
  openChecksum: Checksum | null;
  /** `location href` as written. */
  href: string;
  /** `xml:base` of the location, when the file lives elsewhere. */
  base: string | null;
  size: number | null;
  openSize: number | null;
  timestamp: number | null;
}

export interface RepomdDocument {
  revision: string | null;
  entries: RepomdEntry[];
}

const TEXT_LIMIT = 4096;
const MAX_ENTRIES = 10_000;

const count = (s: string | undefined): number | null => (s !== undefined && /^\d{1,15}$/.test(s.trim()) ? Number(s.trim()) : null);

function checksum(type: string | undefined, value: string | undefined, what: string): Checksum {
  const v = value?.trim().toLowerCase() ?? '';
  if (!type || !/^[0-9a-f]{8,128}$/.test(v)) throw new RepodataReadError('invalid_repomd', `repomd.xml: ${what} has no usable checksum`);
  return { type: type.toLowerCase(), value: v };
}

export function readRepomd(text: string, limits: Partial<XmlLimits> = {}): RepomdDocument {
  let revision: string | null = null;
  const entries: RepomdEntry[] = [];
  let root = '';
  let data: { type: string; fields: Map<string, { attrs: Record<string, string>; text: string }> } | null = null;
  let field: { attrs: Record<string, string>; text: string } | null = null;
  let inRevision = false;
  let revisionText = '';
  const reader = new XmlReader({
    open(name, attrs, depth) {
      if (depth === 1) root = name;
      else if (depth === 2 && name === 'data') data = { type: attrs['type'] ?? '', fields: new Map() };
      else if (depth === 2 && name === 'revision') inRevision = true;
      else if (depth === 3 && data && !data.fields.has(name)) {
        field = { attrs: { ...attrs }, text: '' };
        data.fields.set(name, field);
      }
    },
    text(t, depth) {
      if (inRevision && depth === 2) revisionText += t;
      else if (field && depth === 3) field.text += t;
      if (revisionText.length > TEXT_LIMIT || (field?.text.length ?? 0) > TEXT_LIMIT) {
        throw new RepodataReadError('xml_limit', `repomd.xml: a value longer than ${TEXT_LIMIT} characters`);
      }
    },
    close(name, depth) {
      if (depth === 3) field = null;
      else if (depth === 2 && name === 'revision') {
        inRevision = false;
        revision = revisionText.trim();
      } else if (depth === 2 && name === 'data' && data) {
        entries.push(entryOf(data.type, data.fields, entries.length));
        if (entries.length > MAX_ENTRIES) throw new RepodataReadError('xml_limit', `repomd.xml: more than ${MAX_ENTRIES} records`);
        data = null;
      }
    },
  }, limits);
  reader.write(text);
  reader.end();
  if (root !== 'repomd') throw new RepodataReadError('invalid_repomd', 'not a repomd.xml document (no <repomd> root)');
  return { revision, entries };
}

function entryOf(type: string, f: Map<string, { attrs: Record<string, string>; text: string }>, index: number): RepomdEntry {
  const what = type ? `the ${type} record` : `record ${index + 1}`;
  const loc = f.get('location');
  if (!type || !loc?.attrs['href']) throw new RepodataReadError('invalid_repomd', `repomd.xml: ${what} lacks a type or a location`);
  const sum = f.get('checksum');
  const open = f.get('open-checksum');
  return {
    type,
    checksum: checksum(sum?.attrs['type'], sum?.text, what),
    openChecksum: open ? checksum(open.attrs['type'], open.text, `${what} (open-checksum)`) : null,
    href: loc.attrs['href'],
    base: loc.attrs['xml:base'] ?? null,
    size: count(f.get('size')?.text),
    openSize: count(f.get('open-size')?.text),
    timestamp: count(f.get('timestamp')?.text),
  };
}
