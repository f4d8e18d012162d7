/**
 * One header blob (formats.md §1.2-1.3): read with its size checked before any byte is
 * buffered, validated the way rpm's hdrblobVerifyInfo/VerifyRegion do, then exposed through
 * typed accessors. Nothing here trusts a length, count or offset it has not bounded first.
 */
import { fail } from './errors.js';
import { REGION, TYPE } from './tags.js';
import { decodeRange, decodeStringArray } from './strings.js';

export const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01] as const;
export const INTRO = 16;
const ENTRY = 16;
const MAX_ARRAY = 0xfffff;
const ELEMENT_SIZE = [0, 1, 1, 2, 4, 8, 0, 1, 0, 0] as const;
const FIELDS = 5;
const TYPE_AT = 1;
const OFFSET_AT = 2;
const COUNT_AT = 3;
const LENGTH_AT = 4;
const STRINGS: readonly number[] = [TYPE.STRING, TYPE.I18NSTRING, TYPE.STRING_ARRAY];
const STRING_ARRAYS: readonly number[] = [TYPE.STRING_ARRAY, TYPE.STRING, TYPE.I18NSTRING];
const NUMBERS: readonly number[] = [TYPE.INT8, TYPE.INT16, TYPE.INT32, TYPE.INT64, TYPE.CHAR];
const BINARY: readonly number[] = [TYPE.BIN];
/** Each list as a bit mask of its types (one test per accessor call instead of a search). */
const mask = (types: readonly number[]): number => types.reduce((m, t) => m | (1 << t), 0);
const STRINGS_MASK = mask(STRINGS);
const STRING_ARRAYS_MASK = mask(STRING_ARRAYS);
const NUMBERS_MASK = mask(NUMBERS);
const BINARY_MASK = mask(BINARY);

export type HeaderKind = 'signature' | 'main';

export interface HeaderLimits {
  maxEntries: number;
  maxData: number;
  /** Largest whole blob (16 + 16·il + dl). */
  maxBytes: number;
}

export const MAIN_LIMITS = { maxEntries: 0xffff, maxData: 0x0fffffff };
export const SIG_LIMITS = { maxEntries: 32, maxData: 64 * 1024 * 1024 };

export interface RegionRule {
  /** The first entry must be a region tag. */
  required: boolean;
  /** A region, when present, must cover every entry and the whole store. */
  full: boolean;
}

/** How messages name a header and its region (made once, not per header). */
export const NAMES = { signature: 'signature header', main: 'main header' } as const;
const REGION_NAMES = { signature: 'signature header region', main: 'main header region' } as const;
const MAIN_REGION_TAGS: readonly number[] = [REGION.IMMUTABLE, REGION.IMAGE];
const SIG_REGION_TAGS: readonly number[] = [REGION.SIGNATURES];

/** Entry indexes of released headers (createrepo parses thousands of headers one at a time). */
const SPARE_INDEXES: number[][] = [];
const MAX_SPARE_INDEXES = 4;
/** Larger indexes (headers of over 13,107 entries) are not kept. */
const MAX_SPARE_FIELDS = 65536;
const NO_ENTRIES: number[] = [];

/**
 * Big-endian numbers read from the bytes: DataView calls are not inlined by Maglev (the tier
 * `berth createrepo` runs in), and validate reads four per entry. The trailer may sit at any
 * byte offset (it was at 2097 in a real package): byte reads need no alignment.
 */
export function uint32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

function int32(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

export class Header {
  readonly kind: HeaderKind;
  /** The whole blob: intro, index and store. */
  readonly bytes: Uint8Array;
  /** The region tag (61/62/63) when the first entry is one, else null (v3 headers). */
  readonly regionTag: number | null;
  /**
   * The validated entries (the region entry excluded), FIELDS numbers each: tag, type, data
   * offset, count, data byte length in the store (strings include their NULs).
   */
  private index: number[];
  private entryCount = 0;
  /** Tags out of order (allowed, if unusual): entry index by tag; null while they are sorted. */
  private byTag: Map<number, number> | null = null;
  /** Where the store ends in `bytes` (entry offsets count from `storeStart`: no view of it). */
  private readonly storeEnd: number;
  /** Offset of the store in `bytes`. */
  private readonly storeStart: number;
  private i18nIndex = -1;

  constructor(kind: HeaderKind, bytes: Uint8Array, region: RegionRule) {
    this.kind = kind;
    this.bytes = bytes;
    const il = bytes.length >= INTRO ? uint32(bytes, 8) : 0;
    const dl = bytes.length >= INTRO ? uint32(bytes, 12) : 0;
    // the reads below are bounded by these sizes (readHeader sizes the blob from them)
    if (il < 1 || bytes.length < INTRO + ENTRY * il + dl) fail('rpm.header.truncated', `${NAMES[kind]} blob is shorter than its ${il} entries and ${dl}-byte store`);
    const storeStart = INTRO + ENTRY * il;
    this.storeStart = storeStart;
    this.storeEnd = storeStart + dl;
    // sized once (no regrowth while validating), or one a released header left (its stale
    // numbers past entryCount are never read); a message string per entry only on failure
    const spare = SPARE_INDEXES.pop();
    this.index = spare !== undefined && spare.length >= FIELDS * il ? spare : new Array<number>(FIELDS * il);
    this.regionTag = this.validate(il, dl, region);
  }

  /**
   * Index of `tag` in the entry arrays, or -1: by binary search, as rpm writes tags sorted
   * (validate checks they are strictly ascending), else through the map.
   */
  private find(tag: number): number {
    if (this.byTag !== null) return this.byTag.get(tag) ?? -1;
    const index = this.index;
    let lo = 0;
    let hi = this.entryCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = index[mid * FIELDS]!;
      if (t === tag) return mid;
      if (t < tag) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Tags out of order (allowed, if unusual): a map, which also finds duplicates. */
  private unsortedLookup(): Map<number, number> {
    const index = new Map<number, number>();
    for (let i = 0; i < this.entryCount; i++) index.set(this.index[i * FIELDS]!, i);
    this.byTag = index;
    return index;
  }

  /** Offset of the first NUL in the store at or after `from`, or -1. */
  private nul(from: number): number {
    const bytes = this.bytes;
    const start = this.storeStart;
    const n = this.storeEnd;
    for (let i = start + from; i < n; i++) if (bytes[i] === 0) return i - start;
    return -1;
  }

  private validate(il: number, dl: number, rule: RegionRule): number | null {
    const v = this.bytes;
    const name = NAMES[this.kind];
    let first = 0;
    let region: number | null = null;
    let regionEnd = -1;
    const tag0 = uint32(v, INTRO);
    const regionTags = this.kind === 'main' ? MAIN_REGION_TAGS : SIG_REGION_TAGS;
    if (regionTags.includes(tag0)) {
      region = tag0;
      regionEnd = this.checkRegion(il, dl, rule.full);
      first = 1;
    } else if (rule.required) {
      fail('rpm.header.region', `${name} has no immutable region (tag 63) as its first entry`);
    }
    let end = 0;
    let sorted = true;
    let index: Map<number, number> | null = null;
    for (let i = first; i < il; i++) {
      const at = INTRO + ENTRY * i;
      const tag = uint32(v, at);
      const type = uint32(v, at + 4);
      const offset = int32(v, at + 8);
      const count = uint32(v, at + 12);
      if (tag < 100) fail('rpm.header.bad-tag', `${name} entry ${i} (tag ${tag}): tag below 100 outside the region entry`);
      if (type < TYPE.CHAR || type > TYPE.I18NSTRING) fail('rpm.header.bad-type', `${name} entry ${i} (tag ${tag}): unknown data type ${type}`);
      if (count < 1 || count > dl) fail('rpm.header.bad-count', `${name} entry ${i} (tag ${tag}): count ${count} outside 1..${dl}`);
      if (type !== TYPE.BIN && count > MAX_ARRAY) fail('rpm.header.bad-count', `${name} entry ${i} (tag ${tag}): ${count} elements exceeds ${MAX_ARRAY}`);
      if (type === TYPE.STRING && count !== 1) fail('rpm.header.bad-count', `${name} entry ${i} (tag ${tag}): STRING with count ${count}`);
      if (offset < 0 || offset > dl) fail('rpm.header.index-bounds', `${name} entry ${i} (tag ${tag}): offset ${offset} outside the ${dl}-byte store`);
      const size = ELEMENT_SIZE[type] ?? 0;
      if (size > 1 && offset % size !== 0) fail('rpm.header.misaligned', `${name} entry ${i} (tag ${tag}): offset ${offset} not aligned to ${size}`);
      if (offset < end) fail('rpm.header.overlap', `${name} entry ${i} (tag ${tag}): data at ${offset} overlaps or precedes the previous entry (ends ${end})`);
      let length: number;
      if (type === TYPE.STRING || type === TYPE.STRING_ARRAY || type === TYPE.I18NSTRING) {
        // one pass over the entry's bytes, counting NULs until `count` strings have ended
        const n = this.storeEnd;
        const from = this.storeStart + offset;
        let k = 0;
        let pos = from;
        while (pos < n) {
          if (v[pos++] === 0 && ++k === count) break;
        }
        if (k < count) fail('rpm.header.unterminated-string', `${name} entry ${i} (tag ${tag}): string ${k} is not NUL-terminated inside the store`);
        length = pos - from;
      } else {
        length = count * size;
        if (offset + length > dl) fail('rpm.header.index-bounds', `${name} entry ${i} (tag ${tag}): ${length} data bytes at ${offset} run past the ${dl}-byte store`);
      }
      end = offset + length;
      if (region !== null && end > regionEnd - ENTRY && offset < regionEnd) {
        fail('rpm.header.overlap', `${name} entry ${i} (tag ${tag}): data overlaps the region trailer`);
      }
      const n = this.entryCount;
      const last = n > 0 ? this.index[(n - 1) * FIELDS]! : -1;
      if (sorted && tag <= last) {
        if (tag === last) fail('rpm.header.duplicate-tag', `${name} entry ${i} (tag ${tag}): tag appears twice`);
        sorted = false;
        index = this.unsortedLookup();
      }
      if (index !== null) {
        if (index.has(tag)) fail('rpm.header.duplicate-tag', `${name} entry ${i} (tag ${tag}): tag appears twice`);
        index.set(tag, n);
      }
      // a plain array: no ArrayBuffer per header (FIELDS consecutive numbers per entry)
      const at5 = n * FIELDS;
      const entries = this.index;
      entries[at5] = tag;
      entries[at5 + TYPE_AT] = type;
      entries[at5 + OFFSET_AT] = offset;
      entries[at5 + COUNT_AT] = count;
      entries[at5 + LENGTH_AT] = length;
      this.entryCount = n + 1;
    }
    return region;
  }

  /** Checks the region entry and its trailer; returns the store offset where the region ends. */
  private checkRegion(il: number, dl: number, requireFull: boolean): number {
    const v = this.bytes;
    const name = REGION_NAMES[this.kind];
    const tag = uint32(v, INTRO);
    const type = uint32(v, INTRO + 4);
    const offset = int32(v, INTRO + 8);
    const count = uint32(v, INTRO + 12);
    if (type !== TYPE.BIN || count !== 16) fail('rpm.header.region', `${name} entry: type ${type} count ${count}, expected BIN 16`);
    if (offset < 0 || offset + 16 > dl) fail('rpm.header.region', `${name} trailer offset ${offset} outside the ${dl}-byte store`);
    // the trailer may sit at any byte offset: read byte by byte (uint32)
    const t = this.storeStart + offset;
    let ttag = uint32(v, t);
    const ttype = uint32(v, t + 4);
    const toffset = -int32(v, t + 8);
    const tcount = uint32(v, t + 12);
    if (tag === REGION.SIGNATURES && ttag === REGION.IMAGE) ttag = REGION.SIGNATURES; // old signers wrote 61
    if (ttag !== tag || ttype !== TYPE.BIN || tcount !== 16) {
      fail('rpm.header.region', `${name} trailer {tag ${ttag}, type ${ttype}, count ${tcount}} does not match tag ${tag}`);
    }
    const ril = toffset / ENTRY;
    if (!Number.isInteger(ril) || ril < 1 || ril > il) fail('rpm.header.region', `${name} trailer covers ${toffset} index bytes; header has ${il} entries`);
    const regionEnd = offset + 16;
    if (requireFull && (ril !== il || regionEnd !== dl)) {
      fail('rpm.header.region', `${name} covers ${ril}/${il} entries and ${regionEnd}/${dl} store bytes; a package header must be covered whole`);
    }
    return regionEnd;
  }

  /**
   * The reader is done with this header: its entry index goes to the next header parsed, and
   * this one then has no entries (every accessor returns null).
   */
  release(): void {
    const index = this.index;
    if (index === NO_ENTRIES) return;
    this.index = NO_ENTRIES;
    this.entryCount = 0;
    this.byTag = null;
    if (SPARE_INDEXES.length < MAX_SPARE_INDEXES && index.length <= MAX_SPARE_FIELDS) SPARE_INDEXES.push(index);
  }

  has(tag: number): boolean {
    return this.find(tag) >= 0;
  }

  /** The entry index of `tag`, or -1; fails when its data type is not one of `allowed`. */
  private typed(tag: number, allowedMask: number, allowed: readonly number[]): number {
    const i = this.find(tag);
    if (i < 0) return -1;
    const type = this.index[i * FIELDS + TYPE_AT]!;
    if (((1 << type) & allowedMask) === 0) fail('rpm.header.tag-type', `${this.kind} header tag ${tag} has data type ${type}, expected one of ${allowed.join('/')}`);
    return i;
  }

  /** A STRING, the "C" entry of an I18NSTRING, or the first of a STRING_ARRAY. */
  string(tag: number): string | null {
    const e = this.typed(tag, STRINGS_MASK, STRINGS);
    if (e < 0) return null;
    let index = this.index[e * FIELDS + TYPE_AT] === TYPE.I18NSTRING ? this.localeIndex() : 0;
    if (index >= this.index[e * FIELDS + COUNT_AT]!) index = 0;
    let pos = this.index[e * FIELDS + OFFSET_AT]!;
    const s = this.storeStart;
    // one string: its NUL is the entry's last byte
    if (this.index[e * FIELDS + COUNT_AT] === 1) return decodeRange(this.bytes, s + pos, s + pos + this.index[e * FIELDS + LENGTH_AT]! - 1);
    for (let k = 0; k < index; k++) pos = this.nul(pos) + 1;
    // validated: every string of the entry is NUL-terminated inside the store
    return decodeRange(this.bytes, s + pos, s + this.nul(pos));
  }

  /** The strings of `tag`; with `limit`, only the first `limit` of them are decoded and returned. */
  stringArray(tag: number, limit = Infinity): string[] | null {
    const e = this.typed(tag, STRING_ARRAYS_MASK, STRING_ARRAYS);
    if (e < 0) return null;
    const offset = this.index[e * FIELDS + OFFSET_AT]!;
    const count = this.index[e * FIELDS + COUNT_AT]!;
    // the strings without the last one's NUL
    const s = this.storeStart;
    if (limit >= count) return decodeStringArray(this.bytes.subarray(s + offset, s + offset + this.index[e * FIELDS + LENGTH_AT]! - 1), count);
    if (limit <= 0) return [];
    // validated: the entry's `count` strings all end inside the store, so `limit` NULs are there
    let end = offset;
    for (let k = 0; k < limit; k++) end = this.nul(end) + 1;
    return decodeStringArray(this.bytes.subarray(s + offset, s + end - 1), limit);
  }

  /** The stored bytes of a string array: its strings, each ending with a NUL. */
  rawStrings(tag: number): Uint8Array | null {
    const e = this.typed(tag, STRING_ARRAYS_MASK, STRING_ARRAYS);
    if (e < 0) return null;
    const offset = this.index[e * FIELDS + OFFSET_AT]!;
    return this.bytes.subarray(this.storeStart + offset, this.storeStart + offset + this.index[e * FIELDS + LENGTH_AT]!);
  }

  /** First element of an integer tag; INT32 and INT64 are unsigned. */
  number(tag: number): number | null {
    const e = this.typed(tag, NUMBERS_MASK, NUMBERS);
    return e < 0 ? null : this.element(e, 0);
  }

  /** The numbers of `tag`; with `limit`, only the first `limit` of them. */
  numberArray(tag: number, limit = Infinity): number[] | null {
    const e = this.typed(tag, NUMBERS_MASK, NUMBERS);
    if (e < 0) return null;
    const count = Math.max(0, Math.min(limit, this.index[e * FIELDS + COUNT_AT]!));
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.element(e, i);
    return out;
  }

  /**
   * The entry index of number tag `tag` (its type checked), or -1: for `numberAt`, which reads
   * one element without an array of them all.
   */
  numberEntry(tag: number): number {
    return this.typed(tag, NUMBERS_MASK, NUMBERS);
  }

  /** Element `i` of entry `e` (from `numberEntry`), or `fallback` when there is no such element. */
  numberAt(e: number, i: number, fallback: number): number {
    return e < 0 || i < 0 || i >= this.index[e * FIELDS + COUNT_AT]! ? fallback : this.element(e, i);
  }

  /** The element count of entry `e` (from `numberEntry`), 0 for -1. */
  count(e: number): number {
    return e < 0 ? 0 : this.index[e * FIELDS + COUNT_AT]!;
  }

  private element(e: number, i: number): number {
    const at = this.storeStart + this.index[e * FIELDS + OFFSET_AT]!;
    const v = this.bytes;
    switch (this.index[e * FIELDS + TYPE_AT]) {
      case TYPE.INT16:
        return (v[at + 2 * i]! << 8) | v[at + 2 * i + 1]!;
      case TYPE.INT32:
        return uint32(v, at + 4 * i);
      case TYPE.INT64:
        // Exact up to 2^53, far beyond any real size; avoids BigInt on the hot path.
        return uint32(v, at + 8 * i) * 0x100000000 + uint32(v, at + 8 * i + 4);
      default:
        return v[at + i]!;
    }
  }

  /** The byte length of BIN `tag`, or null (no copy of the data). */
  binLength(tag: number): number | null {
    const e = this.typed(tag, BINARY_MASK, BINARY);
    return e < 0 ? null : this.index[e * FIELDS + LENGTH_AT]!;
  }

  /** BIN data as a copy (callers keep it beyond the header's lifetime). */
  bin(tag: number): Uint8Array | null {
    const e = this.typed(tag, BINARY_MASK, BINARY);
    if (e < 0) return null;
    const offset = this.index[e * FIELDS + OFFSET_AT]!;
    return this.bytes.slice(this.storeStart + offset, this.storeStart + offset + this.index[e * FIELDS + LENGTH_AT]!);
  }

  private localeIndex(): number {
    if (this.i18nIndex < 0) {
      const locales = this.has(100) ? this.stringArray(100) : null;
      const c = locales === null ? -1 : locales.indexOf('C');
      this.i18nIndex = c < 0 ? 0 : c;
    }
    return this.i18nIndex;
  }
}
