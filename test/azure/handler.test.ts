// The Functions HTTP handler's response step: generated bodies (no Content-Length from the app)
// are measured up to a cap and handed over with their length; stored files, which declare it, and
// anything over the cap are streamed as they come.
import { HttpRequest, HttpResponse, InvocationContext, type HttpRequestInit, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { GENERATED_BODY_CAP, httpHandler, withMeasuredBody } from '../../src/adapters/azure/handler.js';

function chunked(parts: Uint8Array[], onPull?: () => void): { stream: ReadableStream<Uint8Array>; cancelled: () => unknown } {
  let cancelled: unknown;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      onPull?.();
      const next = parts[i++];
      if (next === undefined) c.close();
      else c.enqueue(next);
    },
    cancel(reason) {
      cancelled = reason ?? 'cancelled';
    },
  }, { highWaterMark: 0 });
  return { stream, cancelled: () => cancelled };
}

const bytesOf = async (res: Response): Promise<number[]> => [...new Uint8Array(await res.arrayBuffer())];

describe('Azure handler: Content-Length of generated bodies', () => {
  it('measures a generated body and declares its length, keeping status and every header', async () => {
    const text = JSON.stringify({ type: 'https://berth.dev/problems/not_found', detail: 'héllo' });
    const headers = new Headers({ 'content-type': 'application/problem+json', 'x-request-id': 'r1' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const out = await withMeasuredBody(new Response(text, { status: 404, headers }));
    const encoded = new TextEncoder().encode(text);
    expect(out.status).toBe(404);
    expect(out.headers.get('content-length')).toBe(String(encoded.length));
    expect(out.headers.get('content-type')).toBe('application/problem+json');
    expect(out.headers.get('x-request-id')).toBe('r1');
    expect(out.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await bytesOf(out)).toEqual([...encoded]);
  });

  it('joins a body that arrives in several chunks', async () => {
    const { stream } = chunked([new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3, 4, 5])]);
    const out = await withMeasuredBody(new Response(stream, { headers: { 'content-type': 'text/plain' } }));
    expect(out.headers.get('content-length')).toBe('5');
    expect(await bytesOf(out)).toEqual([1, 2, 3, 4, 5]);
  });

  it('declares 0 for an empty generated body', async () => {
    const out = await withMeasuredBody(new Response(new Uint8Array(0), { status: 200 }));
    expect(out.headers.get('content-length')).toBe('0');
    expect(await bytesOf(out)).toEqual([]);
  });

  it('leaves a response that declares its length (a stored file) untouched and unread', async () => {
    let pulls = 0;
    const { stream } = chunked([new Uint8Array([9, 9, 9])], () => pulls++);
    const res = new Response(stream, { status: 206, headers: { 'content-length': '3', 'content-range': 'bytes 0-2/10' } });
    const out = await withMeasuredBody(res);
    expect(out).toBe(res);
    expect(pulls).toBe(0);
  });

  it('leaves a bodiless response untouched (HEAD, 304)', async () => {
    const res = new Response(null, { status: 304, headers: { etag: '"x"' } });
    expect(await withMeasuredBody(res)).toBe(res);
  });

  it('past the cap, streams what it read and then the rest, without a length and without reading ahead', async () => {
    let pulls = 0;
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6]), new Uint8Array([7]), new Uint8Array([8])];
    const { stream } = chunked(parts, () => pulls++);
    const out = await withMeasuredBody(new Response(stream, { status: 200, headers: { 'content-type': 'text/plain' } }), 4);
    // Two chunks (6 bytes) were needed to pass the 4-byte cap; nothing beyond that was read.
    expect(pulls).toBe(2);
    expect(out.headers.get('content-length')).toBeNull();
    expect(out.headers.get('content-type')).toBe('text/plain');
    expect(await bytesOf(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('cancelling the continued stream cancels the source', async () => {
    const { stream, cancelled } = chunked([new Uint8Array(3), new Uint8Array(3), new Uint8Array(3)]);
    const out = await withMeasuredBody(new Response(stream), 2);
    await out.body!.cancel('client went away');
    expect(cancelled()).toBe('client went away');
  });

  it('the cap is 1 MiB: a body of exactly that size is measured, one byte more is streamed', async () => {
    expect(GENERATED_BODY_CAP).toBe(1024 * 1024);
    const at = await withMeasuredBody(new Response(chunked([new Uint8Array(GENERATED_BODY_CAP)]).stream));
    expect(at.headers.get('content-length')).toBe(String(GENERATED_BODY_CAP));
    const over = await withMeasuredBody(new Response(chunked([new Uint8Array(GENERATED_BODY_CAP), new Uint8Array(1)]).stream));
    expect(over.headers.get('content-length')).toBeNull();
    expect((await over.arrayBuffer()).byteLength).toBe(GENERATED_BODY_CAP + 1);
  });

  it('the HTTP handler hands the host a generated body with its length, and a stored stream as it is', async () => {
    const stored = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); } });
    const handler = httpHandler(() => (req) => new URL(req.url).pathname === '/gen'
      ? new Response('[main]\nname=x\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } })
      : new Response(stored, { headers: { 'content-length': '3', 'content-type': 'application/x-rpm' } }));
    const call = async (path: string): Promise<HttpResponseInit> => handler(
      new HttpRequest({ url: `http://localhost${path}`, method: 'GET' } as HttpRequestInit),
      new InvocationContext({ functionName: 'berth', invocationId: 'i', logHandler: () => undefined }),
    ) as Promise<HttpResponseInit>;
    const gen = new HttpResponse(await call('/gen'));
    expect(gen.headers.get('content-length')).toBe(String('[main]\nname=x\n'.length));
    expect(await gen.text()).toBe('[main]\nname=x\n');
    const file = await call('/file');
    expect(file.body).toBe(stored);
    expect(new HttpResponse(file).headers.get('content-length')).toBe('3');
  });
});
