/**
 * The `<package>` elements of primary.xml, filelists.xml or other.xml, one at a time, from a
 * stream of text, holding at most one element: its attributes, the attributes and text of the
 * direct children asked for, and — for `createrepo --update`, which writes unchanged packages back
 * out verbatim — optionally its exact text. Each element is bounded (`maxElementChars`): an
 * unclosed or endless `<package>` stops there, it is never rescanned or buffered without end.
 */
import { RepodataReadError } from './errors.js';
import { XmlReader, type XmlLimits } from './xml-reader.js';

export interface PackageElement {
  /** Attributes of `<package>` (filelists/other: pkgid, name, arch). */
  attrs: Record<string, string>;
  /** Direct children asked for (first occurrence): attributes, and text when asked for. */
  children: Map<string, { attrs: Record<string, string>; text: string }>;
  /** The element's exact text, `<package` to `</package>`, when `raw` was asked for. */
  raw?: string;
}

export interface PackageReadStats {
  /** Characters read. */
  chars: number;
  packages: number;
  /** The most characters one element held (the one that failed, when one did). */
  maxElementChars: number;
}

export interface PackageReadOptions {
  /** Direct children to keep (attributes); default: all. */
  children?: readonly string[];
  /** Direct children whose text to keep too. */
  text?: readonly string[];
  raw?: boolean;
  limits?: Partial<XmlLimits> & { maxElementChars?: number };
  stats?: PackageReadStats;
}

export const DEFAULT_MAX_ELEMENT_CHARS = 8 * 1024 * 1024;

export async function* packageElements(texts: AsyncIterable<string>, opts: PackageReadOptions = {}): AsyncGenerator<PackageElement> {
  const maxElement = opts.limits?.maxElementChars ?? DEFAULT_MAX_ELEMENT_CHARS;
  const keep = opts.children ? new Set(opts.children) : null;
  const withText = new Set(opts.text ?? []);
  const stats = opts.stats;
  const ready: PackageElement[] = [];
  let current: PackageElement | null = null;
  let start = 0;
  let child: { attrs: Record<string, string>; text: string } | null = null;
  // raw capture: the text from `bufStart` on
  let buf = '';
  let bufStart = 0;

  const tooBig = (size: number): RepodataReadError => {
    if (stats) stats.maxElementChars = Math.max(stats.maxElementChars, size);
    return new RepodataReadError('xml_limit', `a <package> element longer than ${maxElement} characters`);
  };
  const reader = new XmlReader({
    open(name, attrs, depth, at) {
      if (depth === 2 && name === 'package') {
        current = { attrs: { ...attrs }, children: new Map() };
        // the start tag's `<` is the last one before its end: attribute values cannot hold one
        start = opts.raw ? bufStart + buf.lastIndexOf('<', at - bufStart - 1) : at;
      } else if (depth === 3 && current && (keep === null || keep.has(name)) && !current.children.has(name)) {
        child = { attrs: { ...attrs }, text: '' };
        current.children.set(name, child);
        if (!withText.has(name)) child = null;
      }
    },
    text(t, depth) {
      if (child && depth === 3) child.text += t;
    },
    close(name, depth, end) {
      if (depth === 3) child = null;
      else if (depth === 2 && name === 'package' && current) {
        const size = end - start;
        if (size > maxElement) throw tooBig(size);
        if (stats) {
          stats.packages++;
          stats.maxElementChars = Math.max(stats.maxElementChars, size);
        }
        if (opts.raw) current.raw = buf.slice(start - bufStart, end - bufStart);
        ready.push(current);
        current = null;
      }
    },
    checked(position) {
      if (current && position - start > maxElement) throw tooBig(position - start);
    },
  }, opts.limits);

  for await (const text of texts) {
    if (stats) stats.chars += text.length;
    if (opts.raw) buf += text;
    reader.write(text);
    if (opts.raw) {
      // keep what a package in progress, or a start tag not finished yet, may still need
      const cut = current ? start - bufStart : buf.lastIndexOf('<');
      if (cut > 0) {
        buf = buf.slice(cut);
        bufStart += cut;
      } else if (cut < 0) {
        bufStart += buf.length;
        buf = '';
      }
    }
    while (ready.length > 0) yield ready.shift() as PackageElement;
  }
  reader.end();
  while (ready.length > 0) yield ready.shift() as PackageElement;
}
