/**
 * What a package page shows, read from the package's stored fragments (the `<package>` elements
 * of primary, filelists and other.xml that regeneration assembles). The fragments are Berth's own
 * XML, but their text comes from an uploaded package header: they are parsed with a conforming
 * parser (saxes: no DOCTYPE, no entity expansion), and every list keeps at most `keep` items
 * while counting them all, so a package with 100,000 files costs one pass, not a page of them.
 */
import { SaxesParser } from 'saxes';

export const DEP_KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;
export type DepKindName = (typeof DEP_KINDS)[number];

export interface Capped<T> {
  items: T[];
  total: number;
}

export interface Dependency {
  name: string;
  flags: string;
  epoch: string;
  ver: string;
  rel: string;
  pre: boolean;
}

export interface PackageFile {
  path: string;
  type: 'file' | 'dir' | 'ghost';
}

export interface ChangelogEntry {
  author: string;
  date: number;
  text: string;
}

export interface PackageDetails {
  summary: string;
  description: string;
  url: string;
  license: string;
  vendor: string;
  group: string;
  packager: string;
  buildHost: string;
  sourceRpm: string;
  buildTime: number;
  installedSize: number;
  deps: Record<DepKindName, Capped<Dependency>>;
  files: Capped<PackageFile>;
  changelog: Capped<ChangelogEntry>;
}

export interface Window {
  /** Items skipped before the kept ones (for a later page). */
  skip: number;
  keep: number;
}

const TEXT_FIELDS: Record<string, keyof PackageDetails> = {
  summary: 'summary', description: 'description', url: 'url', packager: 'packager',
  'rpm:license': 'license', 'rpm:vendor': 'vendor', 'rpm:group': 'group', 'rpm:buildhost': 'buildHost', 'rpm:sourcerpm': 'sourceRpm',
};

/** Longest text kept from one element (the page clips further). */
const MAX_TEXT = 64 * 1024;

function capped<T>(): Capped<T> {
  return { items: [], total: 0 };
}

function push<T>(list: Capped<T>, w: Window, item: () => T): void {
  if (list.total >= w.skip && list.items.length < w.keep) list.items.push(item());
  list.total++;
}

export function emptyDetails(): PackageDetails {
  return {
    summary: '', description: '', url: '', license: '', vendor: '', group: '', packager: '', buildHost: '', sourceRpm: '',
    buildTime: 0, installedSize: 0,
    deps: Object.fromEntries(DEP_KINDS.map((k) => [k, capped<Dependency>()])) as Record<DepKindName, Capped<Dependency>>,
    files: capped(), changelog: capped(),
  };
}

function parse(xml: string, handlers: {
  open(name: string, attrs: Record<string, string>, depth: number): void;
  text(name: string, text: string): void;
}): void {
  const parser = new SaxesParser({ xmlns: false });
  const stack: { name: string; text: string }[] = [];
  parser.on('doctype', () => {
    throw new Error('a DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    stack.push({ name: tag.name, text: '' });
    handlers.open(tag.name, tag.attributes as Record<string, string>, stack.length);
  });
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (top && top.text.length < MAX_TEXT) top.text += t.slice(0, MAX_TEXT - top.text.length);
  });
  parser.on('closetag', () => {
    const top = stack.pop();
    if (top) handlers.text(top.name, top.text);
  });
  parser.write(xml).close();
}

/**
 * Details from the three fragments; `windows` says which items of each list to keep (default:
 * the first 100 of each). Unreadable fragments leave their part empty rather than fail the page.
 */
export function packageDetails(
  fragments: { primary: string; filelists: string; other: string },
  windows: Partial<Record<DepKindName | 'files' | 'changelog', Window>> = {},
): PackageDetails {
  const d = emptyDetails();
  const win = (k: DepKindName | 'files' | 'changelog'): Window => windows[k] ?? { skip: 0, keep: 100 };
  let depKind: DepKindName | null = null;
  let fileType: PackageFile['type'] = 'file';
  let changelog: { author: string; date: number } | null = null;
  const attempt = (f: () => void): void => {
    try {
      f();
    } catch {
      // a damaged fragment shows less, never an error page
    }
  };
  attempt(() => parse(fragments.primary, {
    open(name, attrs) {
      if (name === 'time') d.buildTime = Number(attrs['build'] ?? 0) || 0;
      else if (name === 'size') d.installedSize = Number(attrs['installed'] ?? 0) || 0;
      else if (name.startsWith('rpm:') && (DEP_KINDS as readonly string[]).includes(name.slice(4))) depKind = name.slice(4) as DepKindName;
      else if (name === 'rpm:entry' && depKind) {
        const kind: DepKindName = depKind;
        push(d.deps[kind], win(kind), () => ({
          name: attrs['name'] ?? '', flags: attrs['flags'] ?? '', epoch: attrs['epoch'] ?? '', ver: attrs['ver'] ?? '', rel: attrs['rel'] ?? '', pre: attrs['pre'] === '1',
        }));
      }
    },
    text(name, text) {
      const field = TEXT_FIELDS[name];
      if (field) (d as unknown as Record<string, string>)[field] = text;
      if (name.startsWith('rpm:') && name.slice(4) === depKind) depKind = null;
    },
  }));
  attempt(() => parse(fragments.filelists, {
    open(name, attrs) {
      if (name === 'file') fileType = attrs['type'] === 'dir' ? 'dir' : attrs['type'] === 'ghost' ? 'ghost' : 'file';
    },
    text(name, text) {
      if (name === 'file') {
        const type = fileType;
        push(d.files, win('files'), () => ({ path: text, type }));
      }
    },
  }));
  attempt(() => parse(fragments.other, {
    open(name, attrs) {
      if (name === 'changelog') changelog = { author: attrs['author'] ?? '', date: Number(attrs['date'] ?? 0) || 0 };
    },
    text(name, text) {
      if (name === 'changelog' && changelog) {
        const entry = changelog;
        push(d.changelog, win('changelog'), () => ({ ...entry, text }));
        changelog = null;
      }
    },
  }));
  return d;
}

const OPS: Record<string, string> = { EQ: '=', LT: '<', LE: '<=', GT: '>', GE: '>=' };

/** `name >= 1:2.0-3` as rpm prints a dependency. */
export function dependencyText(dep: Dependency): string {
  if (!dep.flags || !OPS[dep.flags]) return dep.name;
  const evr = `${dep.epoch && dep.epoch !== '0' ? `${dep.epoch}:` : ''}${dep.ver}${dep.rel ? `-${dep.rel}` : ''}`;
  return `${dep.name} ${OPS[dep.flags]} ${evr}`;
}
