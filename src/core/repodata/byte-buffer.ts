/**
 * A growable byte buffer that text is appended to as UTF-8: fragments go straight into it, with
 * no array of parts, no joined string and no fresh buffer per chunk. Meant to be reused: it
 * grows to the largest content it held and stays there until dropped.
 */
const encoder = new TextEncoder();
/** Strings longer than this go through the native encoder; shorter ones are copied in a loop. */
const NATIVE_FROM = 48;

export class ByteBuffer {
  protected buf: Uint8Array;
  length = 0;

  /** `initial`: a size to allocate, or a buffer to write into (and replace if it must grow). */
  constructor(initial: number | Uint8Array = 64 * 1024) {
    this.buf = typeof initial === 'number' ? new Uint8Array(Math.max(16, initial)) : initial;
  }

  /** Bytes currently allocated (the high-water mark of what it held). */
  get capacity(): number {
    return this.buf.length;
  }

  /** Makes room for `n` more bytes (after which `buf` may be a new array). */
  protected reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = Math.max(16, this.buf.length * 2);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  appendBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Appends `s` as UTF-8, as TextEncoder encodes it (a lone surrogate becomes U+FFFD). */
  appendString(s: string): void {
    const n = s.length;
    if (n <= NATIVE_FROM) {
      this.reserve(n);
      const buf = this.buf;
      let at = this.length;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.length = at;
          this.encode(i === 0 ? s : s.slice(i));
          return;
        }
        buf[at++] = c;
      }
      this.length = at;
      return;
    }
    this.encode(s);
  }

  private encode(s: string): void {
    // one byte per code unit is the common case; grow only if that was not enough
    this.reserve(s.length);
    let r = encoder.encodeInto(s, this.buf.subarray(this.length));
    this.length += r.written;
    if (r.read < s.length) {
      const rest = s.slice(r.read);
      this.reserve(rest.length * 3);
      r = encoder.encodeInto(rest, this.buf.subarray(this.length));
      this.length += r.written;
    }
  }

  /** The content, as a view valid until the next write or clear. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  /** Empties it and replaces its memory by a fresh `bytes`-byte array. */
  shrink(bytes: number): void {
    this.length = 0;
    this.buf = new Uint8Array(Math.max(16, bytes));
  }
}
