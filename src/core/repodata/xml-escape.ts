/**
 * XML escaping as createrepo_c 0.17.3 gets it from libxml2 2.9 (formats.md §3.9).
 *
 * createrepo_c serialises each `<package>` with `xmlNodeDump` on a node that has no document,
 * so attribute values take libxml2's "no document encoding" path: every non-ASCII character
 * becomes a hexadecimal character reference (`é` → `&#xE9;`), while text nodes keep UTF-8 as
 * is (verified with createrepo_c 0.17.3: `<location href="uni-&#xE9;.rpm"/>` next to
 * `<summary>Ünïcode</summary>`). repomd.xml is dumped as a document with an encoding, where
 * attributes keep UTF-8 too; `escapeAttr(…, false)` gives that form.
 */
import type { DepKind } from './dependencies.js';
import type { PreparedPackage } from './prepared.js';

const TEXT_SPECIAL = /[&<>\r]/g;
const HAS_TEXT_SPECIAL = /[&<>\r]/;
const TEXT_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

// Most strings need no escaping; a non-global test is much cheaper than replace with a callback.

/** Escape a text node: `&`, `<`, `>` and CR (quotes stay literal). */
export function escapeText(s: string): string {
  return HAS_TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIAL, (c) => TEXT_MAP[c] ?? c) : s;
}

const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const ATTR_SPECIAL_OR_NON_ASCII = /[&<>"\t\n\r]|[\u{80}-\u{10FFFF}]/gu;
const HAS_ATTR_SPECIAL = /[&<>"\t\n\r]/;
const HAS_ATTR_SPECIAL_OR_NON_ASCII = /[&<>"\t\n\r\u0080-\uFFFF]/;
const ATTR_MAP: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * Escape an attribute value: `&`, `<`, `>`, `"`, TAB, LF, CR and, unless `asciiOnly` is false,
 * every non-ASCII code point as `&#xHEX;` (uppercase hex, no padding, as libxml2 writes it).
 */
export function escapeAttr(s: string, asciiOnly = true): string {
  if (!asciiOnly) return HAS_ATTR_SPECIAL.test(s) ? s.replace(ATTR_SPECIAL, (c) => ATTR_MAP[c] ?? c) : s;
  if (!HAS_ATTR_SPECIAL_OR_NON_ASCII.test(s)) return s;
  return s.replace(ATTR_SPECIAL_OR_NON_ASCII, (c) => {
    const mapped = ATTR_MAP[c];
    if (mapped !== undefined) return mapped;
    return `&#x${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()};`;
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/**
 * True when `s` holds a character XML 1.0 cannot represent even escaped: below 0x20 other than
 * TAB, LF and CR. createrepo_c refuses the whole package in that case.
 */
export function hasControlChars(s: string): boolean {
  return CONTROL.test(s);
}


/** Where a forbidden control character was found (first hit, in createrepo_c's check order). */
export interface ControlCharHit {
  /** e.g. `summary`, `location`, `requires[3].name`, `files[12]`, `changelog[0].text`. */
  field: string;
}

/**
 * The first emitted string holding a forbidden control character, or null. Checks what
 * createrepo_c checks (`cr_Package_contains_forbidden_control_chars`): the package strings,
 * the filtered dependency lists, every file path and the selected changelog entries.
 */
export function findControlChars(p: PreparedPackage): ControlCharHit | null {
  const pkg = p.rec.pkg;
  const scalars: [string, string][] = [
    ['name', pkg.name],
    ['arch', pkg.arch],
    ['version', pkg.version],
    ['release', pkg.release],
    ['summary', pkg.summary],
    ['description', pkg.description],
    ['url', pkg.url],
    ['license', pkg.license],
    ['vendor', pkg.vendor],
    ['group', pkg.group],
    ['buildhost', pkg.buildHost],
    ['sourcerpm', pkg.sourceRpm],
    ['packager', pkg.packager],
    ['location', p.rec.location],
  ];
  for (const [field, value] of scalars) if (hasControlChars(value)) return { field };
  const kinds: DepKind[] = ['requires', 'provides', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'];
  for (const kind of kinds) {
    const list = p.deps[kind];
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      if (!d) continue;
      for (const part of ['name', 'epoch', 'ver', 'rel'] as const) {
        if (hasControlChars(d[part])) return { field: `${kind}[${i}].${part}` };
      }
    }
  }
  for (let i = 0; i < pkg.files.length; i++) {
    const f = pkg.files[i];
    if (f && hasControlChars(f.path)) return { field: `files[${i}]` };
  }
  for (let i = 0; i < p.changelog.length; i++) {
    const c = p.changelog[i];
    if (!c) continue;
    if (hasControlChars(c.author)) return { field: `changelog[${i}].author` };
    if (hasControlChars(c.text)) return { field: `changelog[${i}].text` };
  }
  return null;
}
