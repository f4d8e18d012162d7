/**
 * What each package of a primary.xml provides and requires (formats.md §3.2): its NEVRA and
 * checksum, its `rpm:provides` and `rpm:requires` entries and the files primary lists — what a
 * dependency closure resolves against. One package at a time; each package's lists are bounded
 * (`maxEntries`, counted), an endless one stops with `xml_limit`.
 */
import { RepodataReadError } from './errors.js';
import { XmlReader, type XmlLimits } from './xml-reader.js';

export interface DepRef {
  name: string;
  /** LT, GT, EQ, LE, GE; null: any version. */
  flags: string | null;
  epoch: number;
  ver: string;
  /** "" when the entry gives none (then any release matches). */
  rel: string;
}

export interface PackageDeps {
  /** The package checksum (`pkgid`), lowercase hex. */
  checksum: string;
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  provides: DepRef[];
  requires: DepRef[];
  files: string[];
}

export interface PackageDepsOptions {
  /** Most provides + requires + files one package may list (default 100 000). */
  maxEntries?: number;
  limits?: Partial<XmlLimits>;
}

export const DEFAULT_MAX_DEP_ENTRIES = 100_000;

const depOf = (a: Readonly<Record<string, string>>): DepRef | null => {
  const name = a['name'];
  if (!name) return null;
  const epoch = Number(a['epoch'] ?? '0');
  return { name, flags: a['flags'] ?? null, epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0, ver: a['ver'] ?? '', rel: a['rel'] ?? '' };
};

export async function* packageDependencies(texts: AsyncIterable<string>, opts: PackageDepsOptions = {}): AsyncGenerator<PackageDeps> {
  const max = opts.maxEntries ?? DEFAULT_MAX_DEP_ENTRIES;
  const ready: PackageDeps[] = [];
  let cur: PackageDeps | null = null;
  let list: 'provides' | 'requires' | null = null;
  let text: 'name' | 'arch' | 'checksum' | 'file' | null = null;
  let buf = '';
  let entries = 0;
  const count = (): void => {
    if (++entries > max) throw new RepodataReadError('xml_limit', `a package lists more than ${max} provides, requires and files`);
  };
  const reader = new XmlReader({
    open(name, attrs, depth) {
      if (depth === 2 && name === 'package') {
        cur = { checksum: '', name: '', arch: '', epoch: 0, version: '', release: '', provides: [], requires: [], files: [] };
        entries = 0;
        return;
      }
      if (!cur) return;
      const p: PackageDeps = cur;
      if (depth === 3 && (name === 'name' || name === 'arch' || name === 'checksum')) {
        text = name;
        buf = '';
      } else if (depth === 3 && name === 'version') {
        const e = Number(attrs['epoch'] ?? '0');
        p.epoch = Number.isSafeInteger(e) && e >= 0 ? e : 0;
        p.version = attrs['ver'] ?? '';
        p.release = attrs['rel'] ?? '';
      } else if (depth === 4 && (name === 'rpm:provides' || name === 'rpm:requires')) {
        list = name === 'rpm:provides' ? 'provides' : 'requires';
      } else if (depth === 5 && name === 'rpm:entry' && list) {
        count();
        const d = depOf(attrs);
        if (d) p[list].push(d);
      } else if (depth === 4 && name === 'file') {
        text = 'file';
        buf = '';
      }
    },
    text(t) {
      if (text) {
        buf += t;
        if (buf.length > 65_536) throw new RepodataReadError('xml_limit', 'a package name, checksum or file longer than 65536 characters');
      }
    },
    close(name, depth) {
      if (!cur) return;
      const p: PackageDeps = cur;
      if (depth === 2 && name === 'package') {
        ready.push(p);
        cur = null;
      } else if (depth === 4 && (name === 'rpm:provides' || name === 'rpm:requires')) list = null;
      else if (text && (depth === 3 || depth === 4)) {
        if (text === 'file') {
          count();
          p.files.push(buf);
        } else if (text === 'checksum') p.checksum = buf.trim().toLowerCase();
        else p[text] = buf.trim();
        text = null;
      }
    },
  }, opts.limits);
  for await (const t of texts) {
    reader.write(t);
    while (ready.length > 0) yield ready.shift() as PackageDeps;
  }
  reader.end();
  while (ready.length > 0) yield ready.shift() as PackageDeps;
}
