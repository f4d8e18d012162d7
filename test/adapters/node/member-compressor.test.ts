// The compressors the Node platform reuses member after member: every member is the same bytes as
// the one-call functions make, whatever ran on the compressor before it and however many run at
// once; a failure rejects that call only; the pool holds a bounded number of idle compressors; and
// a gzip member is one trip through the thread pool (counted on the native handle's writes).
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressMember, idleCompressors } from '../../../src/adapters/node/member-compressor.js';

const oneCall = {
  gz: (data: Uint8Array) => promisify(zlib.gzip)(data, { level: 6 }),
  zstd: (data: Uint8Array) => promisify(zlib.zstdCompress)(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } }),
};

/** XML-like text of `size` bytes, different for every `seed`. */
function text(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 97 < 60 ? 'abcdefgh<>/="'.charCodeAt(i % 13) : 97 + (x >>> 27);
  }
  return out;
}

describe('compressMember', () => {
  for (const codec of ['gz', 'zstd'] as const) {
    it(`${codec}: one after another, the bytes of the one-call function`, async () => {
      // sizes whose outputs do not fit what is left of the stream's 256 KiB output buffer, too
      for (const [i, size] of [0, 1, 70_000, 300_000, 2_000_000, 5, 400_000, 1_000_000, 0, 90_000].entries()) {
        const data = text(size, i);
        const ours = await compressMember(codec, data);
        expect(Buffer.from(ours).equals(await oneCall[codec](data)), `${codec} #${i} ${size} bytes`).toBe(true);
      }
    });

    it(`${codec}: concurrent calls each get their own compressor; at most 4 stay idle`, async () => {
      const inputs = Array.from({ length: 9 }, (_, i) => text(50_000 + i * 30_000, 100 + i));
      const outs = await Promise.all(inputs.map((d) => compressMember(codec, d)));
      for (const [i, d] of inputs.entries()) {
        expect(Buffer.from(outs[i]!).equals(await oneCall[codec](d)), `${codec} input ${i}`).toBe(true);
        // members concatenate into one valid file (gzip) / each is one frame
        expect(Buffer.from(codec === 'gz' ? zlib.gunzipSync(outs[i]!) : zlib.zstdDecompressSync(outs[i]!)).equals(d)).toBe(true);
      }
      expect(idleCompressors(codec)).toBe(4);
    });

    it(`${codec}: a failing call rejects, and the next calls are right`, async () => {
      const before = idleCompressors(codec);
      await expect(compressMember(codec, 42 as unknown as Uint8Array)).rejects.toThrow();
      // the failed compressor was taken from the pool and closed, not put back
      expect(idleCompressors(codec)).toBe(Math.max(0, before - 1));
      const data = text(120_000, 7);
      expect(Buffer.from(await compressMember(codec, data)).equals(await oneCall[codec](data))).toBe(true);
    });
  }

  it('gz: a member is one write to the native handle (one trip through the thread pool)', async () => {
    const handle = (zlib.createGzip() as unknown as { _handle?: object })._handle;
    if (!handle) return; // a Node without the handle property: nothing to count
    const proto = Object.getPrototypeOf(handle) as { write: (...a: unknown[]) => unknown };
    const write = proto.write;
    let writes = 0;
    proto.write = function (this: unknown, ...a: unknown[]) {
      writes++;
      return write.apply(this, a);
    };
    try {
      // outputs of ~10 KiB: with the 256 KiB output buffer, a member that does not fit what is
      // left of it costs one more write, at most one in 20 here (the one-call gzip(): 3 a member)
      let out = 0;
      for (let i = 0; i < 20; i++) out += (await compressMember('gz', text(30_000, i))).length;
      expect(out / 20).toBeLessThan(13_000);
      expect(writes).toBeGreaterThanOrEqual(20);
      expect(writes).toBeLessThanOrEqual(21);
    } finally {
      proto.write = write;
    }
  });
});
