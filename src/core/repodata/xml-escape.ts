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

// The pre-tests below also match the forbidden set and every surrogate code unit (paired ones
// too, no /u): cheap, and the slow path then checks precisely.
// eslint-disable-next-line no-control-regex -- the forbidden set
export const HAS_TEXT_SPECIAL = /[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\uD800-\uDFFF\uFFFE\uFFFF]/;

// Most strings need no escaping: a non-global test settles that. The others (every changelog
// author has its `<e-mail>`) are escaped in one pass over the code units, which measured several
// times faster than a global replace with a callback.

/** Escape a text node: `&`, `<`, `>` and CR (quotes stay literal). */
export function escapeText(s: string): string {
  if (!HAS_TEXT_SPECIAL.test(s)) return s;
  assertRepresentable(s);
  return escapeLoop(s, TEXT_ENTITIES, false);
}

/** Replacement per code unit below 0x80 (undefined: kept as is). */
export const TEXT_ENTITIES: readonly (string | undefined)[] = entityTable({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' });
export const ATTR_ENTITIES: readonly (string | undefined)[] = entityTable({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
});

function entityTable(map: Record<string, string>): (string | undefined)[] {
  const table = new Array<string | undefined>(128).fill(undefined);
  for (const [c, entity] of Object.entries(map)) table[c.charCodeAt(0)] = entity;
  return table;
}

/**
 * `s` with each code unit below 0x80 replaced per `table` and, when `nonAscii`, each code point
 * from 0x80 up as `&#xHEX;` (a surrogate pair is one code point; `s` holds no lone surrogate,
 * which assertRepresentable has checked).
 */
function escapeLoop(s: string, table: readonly (string | undefined)[], nonAscii: boolean): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let entity: string | undefined;
    let width = 1;
    if (c < 0x80) {
      entity = table[c];
      if (entity === undefined) continue;
    } else {
      if (!nonAscii) continue;
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const low = s.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      entity = `&#x${cp.toString(16).toUpperCase()};`;
    }
    out += s.slice(last, i) + entity;
    i += width - 1;
    last = i + 1;
  }
  return last === 0 ? s : out + s.slice(last);
}
// eslint-disable-next-line no-control-regex -- the forbidden set
const HAS_ATTR_SPECIAL = /[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex -- the forbidden set
export const HAS_ATTR_SPECIAL_OR_NON_ASCII = /[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/;

/**
 * Escape an attribute value: `&`, `<`, `>`, `"`, TAB, LF, CR and, unless `asciiOnly` is false,
 * every non-ASCII code point as `&#xHEX;` (uppercase hex, no padding, as libxml2 writes it).
 */
export function escapeAttr(s: string, asciiOnly = true): string {
  if (!asciiOnly) {
    if (!HAS_ATTR_SPECIAL.test(s)) return s;
    assertRepresentable(s);
    return escapeLoop(s, ATTR_ENTITIES, false);
  }
  if (!HAS_ATTR_SPECIAL_OR_NON_ASCII.test(s)) return s;
  assertRepresentable(s);
  return escapeLoop(s, ATTR_ENTITIES, true);
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
  // the field name is built only for a hit: this runs for every package
  const pkg = p.rec.pkg;
  for (let k = 0; k < SCALARS.length; k++) {
    const [field, get] = SCALARS[k]!;
    const value = get(p);
    if (FORBIDDEN.test(value)) return forbiddenHit(field, value);
  }
  for (const kind of DEP_KINDS) {
    const list = p.deps[kind];
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      if (!d) continue;
      if (FORBIDDEN.test(d.name)) return forbiddenHit(`${kind}[${i}].name`, d.name);
      if (FORBIDDEN.test(d.epoch)) return forbiddenHit(`${kind}[${i}].epoch`, d.epoch);
      if (FORBIDDEN.test(d.ver)) return forbiddenHit(`${kind}[${i}].ver`, d.ver);
      if (FORBIDDEN.test(d.rel)) return forbiddenHit(`${kind}[${i}].rel`, d.rel);
    }
  }
  const files = pkg.files;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (f && FORBIDDEN.test(f.path)) return forbiddenHit(`files[${i}]`, f.path);
  }
  for (let i = 0; i < p.changelog.length; i++) {
    const c = p.changelog[i];
    if (!c) continue;
    if (FORBIDDEN.test(c.author)) return forbiddenHit(`changelog[${i}].author`, c.author);
    if (FORBIDDEN.test(c.text)) return forbiddenHit(`changelog[${i}].text`, c.text);
  }
  return null;
}

function forbiddenHit(field: string, value: string): ForbiddenCharHit {
  const m = FORBIDDEN.exec(value);
  return { field, char: codePointName(m ? m[0] : '') };
}

/** The package strings in createrepo_c's check order. */
const SCALARS: readonly (readonly [string, (p: PreparedPackage) => string])[] = [
  ['name', (p) => p.rec.pkg.name],
  ['arch', (p) => p.rec.pkg.arch],
  ['version', (p) => p.rec.pkg.version],
  ['release', (p) => p.rec.pkg.release],
  ['summary', (p) => p.rec.pkg.summary],
  ['description', (p) => p.rec.pkg.description],
  ['url', (p) => p.rec.pkg.url],
  ['license', (p) => p.rec.pkg.license],
  ['vendor', (p) => p.rec.pkg.vendor],
  ['group', (p) => p.rec.pkg.group],
  ['buildhost', (p) => p.rec.pkg.buildHost],
  ['sourcerpm', (p) => p.rec.pkg.sourceRpm],
  ['packager', (p) => p.rec.pkg.packager],
  ['location', (p) => p.rec.location],
];

export const DEP_KINDS: readonly DepKind[] = ['requires', 'provides', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'];
