// The Node platform's compression: a small member is compressed on the calling thread, a large
// one on libuv's thread pool, and the bytes must not depend on which (the metadata files'
// checksums, and so their names, are made of them).
import { promisify } from 'node:util';
import { constants, gzip, zstdCompress } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESS_INLINE_BYTES, nodePlatform } from '../../../src/adapters/node/platform.js';

const streamed = {
  gz: (data: Uint8Array) => promisify(gzip)(data, { level: 6 }),
  zstd: (data: Uint8Array) => promisify(zstdCompress)(data, { params: { [constants.ZSTD_c_compressionLevel]: 3 } }),
};

describe('nodePlatform.compress', () => {
  for (const codec of ['gz', 'zstd'] as const) {
    it(`${codec}: the same bytes below, at and above the inline size`, async () => {
      for (const size of [0, 60, COMPRESS_INLINE_BYTES, COMPRESS_INLINE_BYTES + 1, 200_000]) {
        const data = new Uint8Array(size);
        for (let i = 0; i < size; i++) data[i] = (i * 7919) % 61 + 32;
        const ours = await nodePlatform.compress(codec, data);
        expect(Buffer.from(ours).equals(await streamed[codec](data)), `${codec} ${size} bytes`).toBe(true);
      }
    });
  }

  it('gz: streams kept between members give every member the bytes of a new one, in flight together or after each other', async () => {
    // members of different sizes, one incompressible (its output comes in several pieces)
    const inputs = [50_000, 300_000, 17_000, 400_000].map((size, k) => {
      const data = new Uint8Array(size);
      let x = k + 1;
      for (let i = 0; i < size; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        data[i] = k === 3 ? x >>> 24 : ((i * 7919 + k) % 61) + 32;
      }
      return data;
    });
    const expected = await Promise.all(inputs.map((d) => streamed.gz(d)));
    for (let round = 0; round < 3; round++) {
      const together = await Promise.all(inputs.map((d) => nodePlatform.compress('gz', d)));
      together.forEach((ours, k) => expect(Buffer.from(ours).equals(expected[k]!), `round ${round}, input ${k}, in flight together`).toBe(true));
      for (let k = 0; k < inputs.length; k++) {
        const ours = await nodePlatform.compress('gz', inputs[k]!);
        expect(Buffer.from(ours).equals(expected[k]!), `round ${round}, input ${k}, alone`).toBe(true);
      }
    }
  });
});
