// Single byte ranges: the request header, and which answers count as exactly the bytes asked for.
import { describe, expect, it } from 'vitest';
import { exactly, parseContentRange, rangeAnswer, rangeHeader } from '../../src/net/range.js';

const answer = (status: number, headers: Record<string, string>): { status: number; headers: Headers } => ({ status, headers: new Headers(headers) });
const span = { start: 100, length: 50 };

async function drain(s: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  const r = s.getReader();
  for (let x = await r.read(); !x.done; x = await r.read()) n += x.value.length;
  return n;
}
const body = (...sizes: number[]): ReadableStream<Uint8Array> => new ReadableStream({
  start(c) {
    for (const s of sizes) c.enqueue(new Uint8Array(s));
    c.close();
  },
});

describe('byte ranges', () => {
  it('asks for first-last', () => {
    expect(rangeHeader(span)).toBe('bytes=100-149');
    expect(() => rangeHeader({ start: 0, length: 0 })).toThrow(RangeError);
    expect(() => rangeHeader({ start: -1, length: 2 })).toThrow(RangeError);
  });

  it('reads Content-Range', () => {
    expect(parseContentRange('bytes 100-149/1000')).toEqual({ first: 100, last: 149, total: 1000 });
    expect(parseContentRange('bytes 100-149/*')).toEqual({ first: 100, last: 149, total: null });
    expect(parseContentRange('bytes 149-100/1000')).toBeNull();
    expect(parseContentRange('bytes */1000')).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });

  it('takes a 206 only for exactly the span of a file of the expected size', () => {
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 100-149/1000', 'content-length': '50' }), span, 1000)).toBe('partial');
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 100-149/*' }), span, 1000)).toBe('partial');
    expect(rangeAnswer(answer(200, {}), span, 1000)).toBe('whole');
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 101-150/1000' }), span, 1000)).toBe('unusable');
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 100-149/999' }), span, 1000)).toBe('unusable');
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 100-149/1000', 'content-length': '51' }), span, 1000)).toBe('unusable');
    expect(rangeAnswer(answer(206, { 'content-range': 'bytes 100-149/1000', 'content-type': 'multipart/byteranges; boundary=x' }), span, 1000)).toBe('unusable');
    expect(rangeAnswer(answer(206, {}), span, 1000)).toBe('unusable');
    expect(rangeAnswer(answer(416, {}), span, 1000)).toBe('unusable');
  });

  it('passes exactly the span: a longer body fails at the first byte past it, a shorter one at its end', async () => {
    expect(await drain(exactly(body(20, 30), 50, 'u'))).toBe(50);
    await expect(drain(exactly(body(20, 31), 50, 'u'))).rejects.toMatchObject({ outboundCode: 'upstream_too_large' });
    await expect(drain(exactly(body(20, 29), 50, 'u'))).rejects.toMatchObject({ outboundCode: 'upstream_unreachable' });
  });
});
