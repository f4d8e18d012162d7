/**
 * `createrepo --update`'s fast path over its own old metadata: the `<package>` elements of a
 * decompressed primary/filelists/other.xml found by a bounded scanner over bytes, each handed
 * back as its exact bytes (never decoded to a string and encoded again), with the few fields the
 * merge-join needs (pkgid; primary: href, file size and mtime).
 *
 * It accepts only a strict subset of XML that it checks whole: an XML declaration, a root start
 * tag, then `<package>` elements separated by white space; inside them start tags (ASCII names,
 * quoted attributes, each name once), end tags matching their start tags, text and attribute values
 * of XML characters in valid UTF-8 with only the five predefined entities and character references
 * to XML characters, no `]]>`. Comments, CDATA, processing instructions, a DOCTYPE, non-ASCII
 * names or anything else make it throw `NotFast`: the caller then reads the file with the full
 * repodata reader. Every bound of that reader holds here too (element size, nesting depth,
 * attributes per element); the decompressed size is bounded by the byte source.
 */

export interface ScannedPackage {
  /** The element's bytes, `<package` to `</package>`, then a line break (as it is written back). */
  bytes: Uint8Array;
  /** primary: the text of `<checksum pkgid="YES">`; filelists/other: the `pkgid` attribute (hex only). */
  pkgid?: string;
  /** primary only: `<location href>`, `<size package>`, `<time file>` (first of each child). */
  href?: string;
  size?: string;
  time?: string;
}

export interface ScanLimits { maxElementBytes: number; maxDepth: number; maxAttributes: number }

/** The scanner met something outside the subset it accepts (not necessarily an error). */
export class NotFast extends Error {
  override name = 'NotFast';
}

/** The bytes ran out in the middle of what is being scanned: scan again with more. */
const MORE = { more: true };

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, AMP = 0x26, EQ = 0x3d, QUOT = 0x22, APOS = 0x27, HASH = 0x23, SEMI = 0x3b, QMARK = 0x3f;
const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
const isXmlChar = (v: number): boolean => v === 9 || v === 10 || v === 13 || (v >= 0x20 && v <= 0xd7ff) || (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
/** 1: a byte that stands for itself in text and attribute values (printable ASCII but < & > " ', tab, LF, CR). */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = 1;
for (const c of [0x3c, 0x26, 0x3e, 0x22, 0x27]) PLAIN[c] = 0;
for (const c of [0x09, 0x0a, 0x0d]) PLAIN[c] = 1;
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const [LOCATION, SIZE, TIME, CHECKSUM, HREF, PKG, FILE, PKGID] = ['location', 'size', 'time', 'checksum', 'href', 'package', 'file', 'pkgid'].map(bytesOf) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = /^[0-9a-fA-F]+$/;
/** `pkgid` text: hex digits with white space around, or undefined. */
const hex = (s: string | undefined): string | undefined => (s?.trim() && HEX.test(s.trim()) ? s.trim() : undefined);
const PACKAGE = [0x70, 0x61, 0x63, 0x6b, 0x61, 0x67, 0x65]; // "package"
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY_BYTES = Object.keys(ENTITIES).map((e) => bytesOf(`${e};`));

/** One tag's attributes: [name start, name end, value start, value end] per attribute. */
type Attrs = number[];

class Scanner {
  b: Uint8Array = new Uint8Array(0);
  i = 0;
  constructor(private readonly limits: ScanLimits) {}

  byte(): number {
    if (this.i >= this.b.length) throw MORE;
    return this.b[this.i]!;
  }

  fail(why: string): never { throw new NotFast(why); }

  skipWs(): boolean {
    const start = this.i;
    while (isWs(this.byte())) this.i++;
    return this.i > start;
  }

  name(): void {
    if (!isNameStart(this.byte())) this.fail('a name outside the accepted subset');
    const b = this.b;
    let i = this.i + 1;
    while (i < b.length && isNameChar(b[i]!)) i++;
    if (i >= b.length) throw MORE;
    this.i = i;
  }

  /** Bytes [a0, a1) are `name`. */
  is(a0: number, a1: number, name: Uint8Array): boolean {
    if (a1 - a0 !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.b[a0 + k] !== name[k]) return false;
    return true;
  }

  /** Skips plain bytes (PLAIN) from `i`. */
  plain(): void {
    const b = this.b;
    let i = this.i;
    while (i < b.length && PLAIN[b[i]!] === 1) i++;
    this.i = i;
  }

  at(i: number): number {
    if (i >= this.b.length) throw MORE;
    return this.b[i]!;
  }

  same(a0: number, a1: number, b0: number, b1: number): boolean {
    if (a1 - a0 !== b1 - b0) return false;
    for (let k = 0; k < a1 - a0; k++) if (this.b[a0 + k] !== this.b[b0 + k]) return false;
    return true;
  }

  /** One character of text or of an attribute value at `i` (UTF-8, an XML character). */
  char(c: number): void {
    if (c < 0x80) {
      if (c < 0x20 && c !== 9 && c !== 10 && c !== 13) this.fail('a control character');
      this.i++;
      return;
    }
    let n: number;
    let v: number;
    if (c >= 0xc2 && c <= 0xdf) [n, v] = [1, c & 0x1f];
    else if (c >= 0xe0 && c <= 0xef) [n, v] = [2, c & 0x0f];
    else if (c >= 0xf0 && c <= 0xf4) [n, v] = [3, c & 0x07];
    else this.fail('not UTF-8');
    for (let k = 1; k <= n; k++) {
      if (this.i + k >= this.b.length) throw MORE;
      const d = this.b[this.i + k]!;
      if ((d & 0xc0) !== 0x80) this.fail('not UTF-8');
      v = (v << 6) | (d & 0x3f);
    }
    // overlong forms, surrogates and what XML forbids (U+FFFE, U+FFFF)
    if ((n === 2 && v < 0x800) || (n === 3 && v < 0x10000) || !isXmlChar(v)) this.fail('not an XML character');
    this.i += n + 1;
  }

  /** A reference at `&`: a predefined entity or a character reference to an XML character. */
  reference(): void {
    let i = this.i + 1;
    if (this.at(i) === HASH) {
      i++;
      const hex = this.at(i) === 0x78;
      if (hex) i++;
      const digits = i;
      let v = 0;
      for (let c = this.at(i); c !== SEMI; c = this.at(++i)) {
        if (i - digits >= 8) this.fail('a long character reference');
        const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
        if (d < 0) this.fail('a character reference');
        v = v * (hex ? 16 : 10) + d;
      }
      if (i === digits || !isXmlChar(v)) this.fail('a character reference');
      this.i = i + 1;
      return;
    }
    for (const e of ENTITY_BYTES) {
      let k = 0;
      while (k < e.length && this.at(i + k) === e[k]) k++;
      if (k === e.length) {
        this.i = i + k;
        return;
      }
    }
    this.fail('an unknown entity');
  }

  /** A start tag from its name (after `<`): its attributes into `attrs`; true when self-closing. */
  startTag(attrs: Attrs): boolean {
    attrs.length = 0;
    this.name();
    for (;;) {
      const ws = this.skipWs();
      const c = this.byte();
      if (c === GT) {
        this.i++;
        return false;
      }
      if (c === SLASH) {
        this.i++;
        if (this.byte() !== GT) this.fail('a malformed tag');
        this.i++;
        return true;
      }
      if (!ws) this.fail('a malformed tag');
      const ns = this.i;
      this.name();
      const ne = this.i;
      for (let a = 0; a < attrs.length; a += 4) if (this.same(attrs[a]!, attrs[a + 1]!, ns, ne)) this.fail('an attribute given twice');
      if (attrs.length / 4 >= this.limits.maxAttributes) this.fail('too many attributes');
      this.skipWs();
      if (this.byte() !== EQ) this.fail('a malformed attribute');
      this.i++;
      this.skipWs();
      const q = this.byte();
      if (q !== QUOT && q !== APOS) this.fail('an unquoted attribute');
      this.i++;
      const vs = this.i;
      for (;;) {
        this.plain();
        const v = this.byte();
        if (v === q) break;
        if (v === LT) this.fail('< in an attribute value');
        if (v === AMP) this.reference();
        else if (v === GT || v === QUOT || v === APOS) this.i++;
        else this.char(v);
      }
      attrs.push(ns, ne, vs, this.i);
      this.i++;
    }
  }

  /** The value of attribute `name` among `attrs`, undecoded bytes [start, end), or null. */
  attr(attrs: Attrs, name: Uint8Array): [number, number] | null {
    for (let a = 0; a < attrs.length; a += 4) if (this.is(attrs[a]!, attrs[a + 1]!, name)) return [attrs[a + 2]!, attrs[a + 3]!];
    return null;
  }

  /** An attribute value decoded, or undefined when it holds white space other than spaces (normalised by XML). */
  value(range: [number, number] | null): string | undefined {
    if (!range) return undefined;
    const raw = utf8.decode(this.b.subarray(range[0], range[1]));
    if (/[\t\n\r]/.test(raw)) return undefined;
    return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (_, r: string) =>
      r.startsWith('#x') ? String.fromCodePoint(parseInt(r.slice(2), 16)) : r.startsWith('#') ? String.fromCodePoint(parseInt(r.slice(1), 10)) : ENTITIES[r]!);
  }


  /** The prolog up to and including the root start tag; true when the root has no content. */
  prolog(): boolean {
    if (this.byte() === LT && this.i + 1 >= this.b.length) throw MORE;
    if (this.b[this.i] === LT && this.b[this.i + 1] === QMARK) {
      const start = this.i;
      while (!(this.byte() === GT && this.b[this.i - 1] === QMARK)) {
        if (this.i - start > 200) this.fail('a long XML declaration');
        this.i++;
      }
      this.i++;
      const decl = latin1.decode(this.b.subarray(start, this.i));
      if (!/^<\?xml version="1\.0"(?: encoding="utf-?8")?(?: standalone="(?:yes|no)")? ?\?>$/i.test(decl)) this.fail('an XML declaration outside the accepted subset');
    }
    this.skipWs();
    if (this.byte() !== LT) this.fail('no root element');
    this.i++;
    return this.startTag([]);
  }

  /** At `<`: whether a `<package` start tag begins here. */
  atPackage(): boolean {
    for (let k = 0; k < PACKAGE.length; k++) {
      if (this.i + 1 + k >= this.b.length) throw MORE;
      if (this.b[this.i + 1 + k] !== PACKAGE[k]) return false;
    }
    if (this.i + 8 >= this.b.length) throw MORE;
    return !isNameChar(this.b[this.i + 8]!);
  }

  /** One `<package>` element from its `<`, with the fields the join needs. */
  element(primary: boolean): Omit<ScannedPackage, 'bytes'> {
    const start = this.i;
    const attrs: Attrs = [];
    const names: number[] = []; // open elements: name start, name end
    const out: Omit<ScannedPackage, 'bytes'> = {};
    let seen = 0; // of location, size, time, checksum: the ones met (bits)
    let sumStart = -1; // the first <checksum pkgid="YES">'s text, while it is open
    let sumDepth = 0;
    for (;;) {
      this.plain();
      if (this.i - start > this.limits.maxElementBytes) this.fail('an element over the size bound');
      const c = this.byte();
      if (c === LT) {
        this.i++;
        if (this.byte() === SLASH) {
          this.i++;
          const ns = this.i;
          this.name();
          const ne = this.i;
          this.skipWs();
          if (this.byte() !== GT) this.fail('a malformed end tag');
          this.i++;
          const top = names.length - 2;
          if (!this.same(names[top]!, names[top + 1]!, ns, ne)) this.fail('an end tag that does not match');
          names.length = top;
          if (sumStart >= 0 && names.length / 2 === sumDepth - 1) {
            out.pkgid = hex(latin1.decode(this.b.subarray(sumStart, ns - 2)));
            sumStart = -1;
          }
          if (names.length === 0) return out;
          continue;
        }
        const ns = this.i;
        const selfClosing = this.startTag(attrs);
        const depth = names.length / 2 + 1;
        if (depth > this.limits.maxDepth) this.fail('elements nested too deep');
        let ne = ns;
        while (isNameChar(this.b[ne]!)) ne++;
        if (depth === 1) {
          if (!primary) out.pkgid = hex(this.value(this.attr(attrs, PKGID)));
        } else if (depth === 2 && primary) {
          if (!(seen & 1) && this.is(ns, ne, LOCATION)) {
            seen |= 1;
            out.href = this.value(this.attr(attrs, HREF));
          } else if (!(seen & 2) && this.is(ns, ne, SIZE)) {
            seen |= 2;
            out.size = this.value(this.attr(attrs, PKG));
          } else if (!(seen & 4) && this.is(ns, ne, TIME)) {
            seen |= 4;
            out.time = this.value(this.attr(attrs, FILE));
          } else if (!(seen & 8) && this.is(ns, ne, CHECKSUM)) {
            seen |= 8;
            if (this.value(this.attr(attrs, PKGID)) === 'YES' && !selfClosing) [sumStart, sumDepth] = [this.i, depth];
          }
        }
        if (selfClosing) {
          if (depth === 1) return out;
        } else names.push(ns, ne);
      } else if (c === AMP) {
        this.reference();
      } else if (c === GT) {
        if (this.b[this.i - 1] === 0x5d && this.b[this.i - 2] === 0x5d) this.fail(']]> in text');
        this.i++;
      } else if (c === QUOT || c === APOS) this.i++;
      else this.char(c);
    }
  }
}

/**
 * The `<package>` elements of one decompressed metadata file (`primary`: primary.xml, else
 * filelists/other.xml). Throws `NotFast` at the first thing outside the accepted subset; the
 * elements yielded before it are exactly the first ones the full reader yields.
 */
export async function* scanPackages(chunks: AsyncIterable<Uint8Array>, primary: boolean, limits: ScanLimits): AsyncGenerator<ScannedPackage> {
  const it = chunks[Symbol.asyncIterator]();
  const s = new Scanner(limits);
  let eof = false;
  let pos = 0; // where the next scan starts
  /** Reads until at least `need` bytes are buffered from `pos`, or the end. */
  const fill = async (need: number): Promise<void> => {
    while (!eof && s.b.length - pos < need) {
      const r = await it.next();
      if (r.done) eof = true;
      else if (pos === s.b.length) [s.b, pos] = [r.value, 0];
      else {
        const joined = new Uint8Array(s.b.length - pos + r.value.length);
        joined.set(s.b.subarray(pos));
        joined.set(r.value, s.b.length - pos);
        [s.b, pos] = [joined, 0];
      }
    }
  };
  /** Runs `step` from `pos`, with more bytes while it runs out: at least twice as many each time. */
  const scan = async <T>(step: () => T): Promise<T> => {
    for (;;) {
      s.i = pos;
      try {
        return step();
      } catch (e) {
        if (e !== MORE) throw e;
        if (eof) throw new NotFast('the document ends early');
        const have = s.b.length - pos;
        if (have > limits.maxElementBytes + 4096) throw new NotFast('an element over the size bound');
        await fill(Math.max(have * 2, have + 1));
      }
    }
  };
  try {
    await fill(1);
    if (await scan(() => s.prolog())) return;
    pos = s.i;
    for (;;) {
      // white space, then `<package` (an element) or `</` (the root's end: done)
      const isPackage = await scan(() => {
        s.skipWs();
        pos = s.i;
        if (s.byte() !== LT) s.fail('text between elements');
        if (s.i + 1 >= s.b.length) throw MORE;
        if (s.b[s.i + 1] === SLASH) return false;
        if (!s.atPackage()) s.fail('an element other than <package>');
        return true;
      });
      if (!isPackage) return;
      const fields = await scan(() => s.element(primary));
      let bytes: Uint8Array;
      if (s.b[s.i] === 0x0a) bytes = s.b.subarray(pos, s.i + 1); // as written: no copy
      else {
        bytes = new Uint8Array(s.i - pos + 1);
        bytes.set(s.b.subarray(pos, s.i));
        bytes[bytes.length - 1] = 0x0a;
      }
      pos = s.i;
      yield { bytes, ...fields };
    }
  } finally {
    await it.return?.(undefined);
  }
}
