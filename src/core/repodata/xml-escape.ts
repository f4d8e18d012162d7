/**
 * XML escaping as createrepo_c 0.17.3 gets it from libxml2 2.9 (formats.md §3.9).
 *
 * createrepo_c serialises each `<package>` with `xmlNodeDump` on a node that has no document,
 * so attribute values take libxml2's "no document encoding" path: every non-ASCII character
 * becomes a hexadecimal character reference (`é` → `&#xE9;`), while text nodes keep UTF-8 as
 * is (verified with createrepo_c 0.17.3: `<location href="uni-&#xE9;.rpm"/>` next to
 * `<summary>Ünïcode</summary>`). repomd.xml is dumped as a document with an encoding, where
 * attributes keep UTF-8 too; `escapeAttr(…, false)` gives that form.
 *
 * Characters XML 1.0 forbids (its `Char` production excludes them, escaped or not): C0 controls
 * other than TAB, LF and CR, unpaired surrogates, U+FFFE and U+FFFF. libxml2 (librepo reads
 * repomd.xml with it) and expat (libsolv reads primary/filelists/other with it) refuse the whole
 * file at the first one, so one such package would make every package of a repo unloadable. The
 * escapers throw `UnrepresentableCharError` rather than emit one, whatever the caller did;
 * `findForbiddenChars` lets callers refuse a package first. The other noncharacters
 * (U+FDD0–U+FDEF, U+nFFFE/U+nFFFF above the BMP) and C1 controls are XML 1.0 `Char`s: libxml2
 * 2.9.14 and expat 2.5.0 accept them, and so does Berth. createrepo_c checks only the C0
 * controls (formats.md §3.9).
 */
import { BerthError } from '../errors.js';
import type { DepKind } from './dependencies.js';
import type { PreparedPackage } from './prepared.js';

/** A string holding a character XML 1.0 cannot carry reached the writer. */
export class UnrepresentableCharError extends BerthError {
  override name = 'UnrepresentableCharError';
  static readonly CODE = 'unrepresentable_metadata';
  constructor(readonly char: string) {
    super(UnrepresentableCharError.CODE, `${char} cannot be written to XML 1.0`);
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\u{D800}-\u{DFFF}\u{FFFE}\u{FFFF}]/u;

/** `U+FFFE`: how a refusal names a character. */
export function codePointName(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function assertRepresentable(s: string): void {
  const m = FORBIDDEN.exec(s);
  if (m) throw new UnrepresentableCharError(codePointName(m[0]));
}

const TEXT_SPECIAL = /[&<>\r]/g;
// The pre-tests below also match the forbidden set and every surrogate code unit (paired ones
// too, no /u): cheap, and the slow path then checks precisely.
// eslint-disable-next-line no-control-regex -- the forbidden set
const HAS_TEXT_SPECIAL = /[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

// Most strings need no escaping; a non-global test is much cheaper than replace with a callback.

/** Escape a text node: `&`, `<`, `>` and CR (quotes stay literal). */
export function escapeText(s: string): string {
  if (!HAS_TEXT_SPECIAL.test(s)) return s;
  assertRepresentable(s);
  return s.replace(TEXT_SPECIAL, (c) => TEXT_MAP[c] ?? c);
}

const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const ATTR_SPECIAL_OR_NON_ASCII = /[&<>"\t\n\r]|[\u{80}-\u{10FFFF}]/gu;
// eslint-disable-next-line no-control-regex -- the forbidden set
const HAS_ATTR_SPECIAL = /[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex -- the forbidden set
const HAS_ATTR_SPECIAL_OR_NON_ASCII = /[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/;
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
  if (!asciiOnly) {
    if (!HAS_ATTR_SPECIAL.test(s)) return s;
    assertRepresentable(s);
    return s.replace(ATTR_SPECIAL, (c) => ATTR_MAP[c] ?? c);
  }
  if (!HAS_ATTR_SPECIAL_OR_NON_ASCII.test(s)) return s;
  assertRepresentable(s);
  return s.replace(ATTR_SPECIAL_OR_NON_ASCII, (c) => {
    const mapped = ATTR_MAP[c];
    if (mapped !== undefined) return mapped;
    return `&#x${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()};`;
  });
}

/**
 * True when `s` holds a character XML 1.0 cannot represent even escaped: a C0 control other than
 * TAB, LF and CR (createrepo_c refuses the whole package for those), an unpaired surrogate,
 * U+FFFE or U+FFFF.
 */
export function hasForbiddenChars(s: string): boolean {
  return FORBIDDEN.test(s);
}

/** Where a forbidden character was found (first hit, in createrepo_c's check order). */
export interface ForbiddenCharHit {
  /** e.g. `summary`, `location`, `requires[3].name`, `files[12]`, `changelog[0].text`. */
  field: string;
  /** e.g. `U+FFFE`. */
  char: string;
}

/**
 * The first emitted string holding a forbidden character, or null. Checks what createrepo_c
 * checks for control characters (`cr_Package_contains_forbidden_control_chars`): the package
 * strings, the filtered dependency lists, every file path and the selected changelog entries —
 * everything the three fragments write.
 */
export function findForbiddenChars(p: PreparedPackage): ForbiddenCharHit | null {
  const pkg = p.rec.pkg;
  const hit = (field: string, value: string): ForbiddenCharHit | null => {
    const m = FORBIDDEN.exec(value);
    return m ? { field, char: codePointName(m[0]) } : null;
  };
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
  for (const [field, value] of scalars) {
    const h = hit(field, value);
    if (h) return h;
  }
  const kinds: DepKind[] = ['requires', 'provides', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'];
  for (const kind of kinds) {
    const list = p.deps[kind];
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      if (!d) continue;
      for (const part of ['name', 'epoch', 'ver', 'rel'] as const) {
        const h = hit(`${kind}[${i}].${part}`, d[part]);
        if (h) return h;
      }
    }
  }
  for (let i = 0; i < pkg.files.length; i++) {
    const f = pkg.files[i];
    const h = f ? hit(`files[${i}]`, f.path) : null;
    if (h) return h;
  }
  for (let i = 0; i < p.changelog.length; i++) {
    const c = p.changelog[i];
    if (!c) continue;
    const h = hit(`changelog[${i}].author`, c.author) ?? hit(`changelog[${i}].text`, c.text);
    if (h) return h;
  }
  return null;
}
