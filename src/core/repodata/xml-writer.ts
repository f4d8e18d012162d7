/**
 * A ByteBuffer that escapes as it encodes: a value goes into the buffer as escaped UTF-8 in one
 * pass over its code units, with no escaped copy, no joined fragment string and no second
 * encoding pass. The result is byte for byte what `escapeText`/`escapeAttr` followed by UTF-8
 * encoding gives (xml-escape.ts holds the rules): ASCII is handled here, and a value's rest from
 * its first non-ASCII code unit on goes through those escapers (rare in package metadata).
 */
import { ByteBuffer } from './byte-buffer.js';
import {
  ATTR_ENTITIES, HAS_ATTR_SPECIAL_OR_NON_ASCII, HAS_TEXT_SPECIAL, TEXT_ENTITIES, UnrepresentableCharError, codePointName,
  escapeAttr, escapeText,
} from './xml-escape.js';

/** Per code unit below 0x80: 0 kept, 1 replaced by its entity, 2 forbidden (a C0 control). */
const PLAIN = 0;
const ENTITY = 1;
const FORBIDDEN = 2;

function classes(entities: readonly (string | undefined)[]): Uint8Array {
  const out = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    if (entities[c] !== undefined) out[c] = ENTITY;
    else if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) out[c] = FORBIDDEN;
  }
  return out;
}

const TEXT_CLASS = classes(TEXT_ENTITIES);
/**
 * Values at least this long are first tested with a regular expression (see `text`): above the
 * 64-character checksums (pkgid), which the loop copies with no view or result object per value.
 */
const NATIVE_FROM = 96;
const ATTR_CLASS = classes(ATTR_ENTITIES);

export class XmlWriter extends ByteBuffer {
  /** Appends `s`, known to be ASCII without anything to escape (markup, numbers, flag names). */
  raw(s: string): void {
    const n = s.length;
    // the common case checked here: a call per markup string shows in profiles
    if (this.length + n > this.buf.length) this.reserve(n);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** Appends a non-negative integer in decimal, as `${n}` writes it. */
  uint(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      this.raw(String(n));
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    if (this.length + digits > this.buf.length) this.reserve(digits);
    const buf = this.buf;
    let at = this.length + digits;
    this.length = at;
    do {
      const q = Math.floor(n / 10);
      buf[--at] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Appends `s` escaped as a text node (`escapeText`), as UTF-8. */
  text(s: string): void {
    // a long value with nothing to escape (most descriptions, changelog texts) is encoded
    // natively: the regular expression and the encoder are faster per character than a loop
    if (s.length >= NATIVE_FROM && !HAS_TEXT_SPECIAL.test(s)) this.appendString(s);
    else this.escaped(s, TEXT_CLASS, TEXT_ENTITIES, false);
  }

  /** Appends `s` escaped as an attribute value (`escapeAttr(s)`: non-ASCII as `&#xHEX;`). */
  attr(s: string): void {
    if (s.length >= NATIVE_FROM && !HAS_ATTR_SPECIAL_OR_NON_ASCII.test(s)) this.appendString(s);
    else this.escaped(s, ATTR_CLASS, ATTR_ENTITIES, true);
  }

  private escaped(s: string, cls: Uint8Array, entities: readonly (string | undefined)[], isAttr: boolean): void {
    const n = s.length;
    if (this.length + n > this.buf.length) this.reserve(n);
    let buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        const k = cls[c];
        if (k === PLAIN) {
          buf[at++] = c;
          continue;
        }
        if (k === FORBIDDEN) {
          this.length = at;
          throw new UnrepresentableCharError(codePointName(s.charAt(i)));
        }
        const entity = entities[c]!;
        this.length = at;
        this.reserve(entity.length + n - i - 1);
        buf = this.buf;
        for (let e = 0; e < entity.length; e++) buf[at++] = entity.charCodeAt(e);
        continue;
      }
      // from the first non-ASCII code unit on, the string escapers (they check the rest for
      // forbidden characters too); escaping is per character, so escaping the rest gives the
      // rest of the whole string's escape
      this.length = at;
      const rest = i === 0 ? s : s.slice(i);
      this.appendString(isAttr ? escapeAttr(rest) : escapeText(rest));
      return;
    }
    this.length = at;
  }
}

const scratch = new XmlWriter(16 * 1024);
const decoder = new TextDecoder();

/** What `write` appends, as a string (for callers that want fragments as text). */
export function asString(write: (out: XmlWriter) => void): string {
  scratch.clear();
  write(scratch);
  const s = decoder.decode(scratch.view());
  // a one-off large fragment does not keep its buffer
  if (scratch.capacity > 1024 * 1024) scratch.shrink(16 * 1024);
  return s;
}
