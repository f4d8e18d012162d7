// Builds small synthetic RPM files for reader tests: lead, signature header, padding, main
// header, payload. Only what the tests need; values are laid out as rpmbuild does.
import { createHash, randomBytes } from 'node:crypto';

export type Value =
  | { type: 'string'; value: string }
  | { type: 'i18n'; value: string[] }
  | { type: 'strings'; value: string[] }
  | { type: 'int16'; value: number[] }
  | { type: 'int32'; value: number[] }
  | { type: 'int64'; value: number[] }
  | { type: 'bin'; value: Uint8Array };

const TYPE_ID = { string: 6, i18n: 9, strings: 8, int16: 3, int32: 4, int64: 5, bin: 7 } as const;
const ALIGN = { string: 1, i18n: 1, strings: 1, int16: 2, int32: 4, int64: 8, bin: 1 } as const;

const enc = new TextEncoder();

function encodeValue(v: Value): Uint8Array {
  switch (v.type) {
    case 'string':
      return enc.encode(`${v.value}\0`);
    case 'i18n':
    case 'strings':
      return enc.encode(v.value.map((s) => `${s}\0`).join(''));
    case 'bin':
      return v.value;
    default: {
      const size = v.type === 'int16' ? 2 : v.type === 'int32' ? 4 : 8;
      const b = new Uint8Array(size * v.value.length);
      const dv = new DataView(b.buffer);
      v.value.forEach((n, i) => {
        if (size === 2) dv.setUint16(i * 2, n);
        else if (size === 4) dv.setUint32(i * 4, n);
        else dv.setBigUint64(i * 8, BigInt(n));
      });
      return b;
    }
  }
}

function count(v: Value): number {
  if (v.type === 'string') return 1;
  if (v.type === 'bin') return v.value.length;
  return v.value.length;
}

/** A header blob; `region` puts a region entry first with its trailer at the end of the store. */
export function header(tags: Record<number, Value>, region: number | null): Uint8Array {
  const entries = Object.entries(tags).map(([t, v]) => [Number(t), v] as const).sort((a, b) => a[0] - b[0]);
  const index: number[][] = [];
  const store: number[] = [];
  for (const [tag, v] of entries) {
    while (store.length % ALIGN[v.type] !== 0) store.push(0);
    index.push([tag, TYPE_ID[v.type], store.length, count(v)]);
    store.push(...encodeValue(v));
  }
  if (region !== null) {
    const il = entries.length + 1;
    index.unshift([region, 7, store.length, 16]);
    const t = new DataView(new ArrayBuffer(16));
    t.setUint32(0, region);
    t.setUint32(4, 7);
    t.setInt32(8, -16 * il);
    t.setUint32(12, 16);
    store.push(...new Uint8Array(t.buffer));
  }
  const out = new Uint8Array(16 + 16 * index.length + store.length);
  const dv = new DataView(out.buffer);
  out.set([0x8e, 0xad, 0xe8, 0x01], 0);
  dv.setUint32(8, index.length);
  dv.setUint32(12, store.length);
  index.forEach((e, i) => e.forEach((x, j) => dv.setUint32(16 + 16 * i + 4 * j, x >>> 0)));
  out.set(store, 16 + 16 * index.length);
  return out;
}

/**
 * Lead + signature header + padding + main header + payload. `signatureType` is the lead's
 * signature_type (rpm itself refuses anything but 5, "header-style signature"; Berth ignores it).
 */
export function rpmFile(opts: { leadMajor?: number; signatureType?: number; sig: Uint8Array; main: Uint8Array; payload: Uint8Array }): Uint8Array {
  const lead = new Uint8Array(96);
  lead.set([0xed, 0xab, 0xee, 0xdb, opts.leadMajor ?? 3, 0]);
  new DataView(lead.buffer).setUint16(78, opts.signatureType ?? 0);
  const pad = (8 - (opts.sig.length % 8)) % 8;
  const out = new Uint8Array(96 + opts.sig.length + pad + opts.main.length + opts.payload.length);
  let at = 0;
  for (const part of [lead, opts.sig, new Uint8Array(pad), opts.main, opts.payload]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const str = (value: string): Value => ({ type: 'string', value });
export const strs = (...value: string[]): Value => ({ type: 'strings', value });
export const i18n = (...value: string[]): Value => ({ type: 'i18n', value });
export const i32 = (...value: number[]): Value => ({ type: 'int32', value });
export const i16 = (...value: number[]): Value => ({ type: 'int16', value });
export const i64 = (...value: number[]): Value => ({ type: 'int64', value });
export const bin = (value: Uint8Array): Value => ({ type: 'bin', value });

/** A delta RPM as makedeltarpm writes one, reduced to what identifies it: PAYLOADFORMAT drpm. */
export function deltaRpm(): Uint8Array {
  const main = header({
    1000: str('tour'), 1001: str('5'), 1002: str('1'), 1004: i18n('delta'), 1005: i18n('delta'), 1006: i32(1700000000),
    1014: str('MIT'), 1022: str('noarch'), 1044: str('tour-5-1.src.rpm'), 1124: str('drpm'), 1125: str('xz'),
  }, 63);
  return rpmFile({ sig: header({ 1000: i32(main.length + 64) }, 62), main, payload: new Uint8Array(64), signatureType: 5 });
}

/** A well-formed unsigned package with `payloadBytes` of incompressible (random) payload. */
export function incompressibleRpm(name: string, payloadBytes: number): Uint8Array<ArrayBuffer> {
  const main = header({
    1000: str(name), 1001: str('1.0'), 1002: str('1'), 1004: i18n(`big ${name}`), 1005: i18n('test package'),
    1006: i32(1700000000), 1014: str('MIT'), 1022: str('noarch'), 1044: str(`${name}-1.0-1.src.rpm`), 1124: str('cpio'), 1125: str('gzip'),
  }, 63);
  const payload = new Uint8Array(randomBytes(payloadBytes));
  const digest = createHash('sha256').update(main).digest('hex');
  const sig = header({ 1000: i32(main.length + payload.length), 273: str(digest) }, 62);
  return new Uint8Array(rpmFile({ sig, main, payload }));
}
