// A BlobStore whose every call runs inside workerd: the Node side of
// test/cloudflare/harness/store-worker.ts. Bodies stream both ways; typed storage errors are
// rebuilt from their `code` so the conformance suite sees what the driver threw.
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetOptions, ListOptions, ListPage, PutOptions, PutResult,
} from '../../src/storage/blob-store.js';
import { BlobNotFoundError, PreconditionFailedError, RangeNotSatisfiableError, StorageError } from '../../src/storage/errors.js';

interface WireError { error: true; code: string | null; message: string; size?: number }

function revive<T extends { lastModified?: unknown }>(v: T): T {
  return v && typeof v.lastModified === 'string' ? { ...v, lastModified: new Date(v.lastModified) } : v;
}

function rebuild(key: string, e: WireError): Error {
  switch (e.code) {
    case PreconditionFailedError.CODE:
      return new PreconditionFailedError(key, e.message);
    case BlobNotFoundError.CODE:
      return new BlobNotFoundError(key);
    case RangeNotSatisfiableError.CODE:
      return new RangeNotSatisfiableError(key, 0, e.size ?? 0);
    case null:
      return new Error(`worker: ${e.message}`);
    default:
      return new StorageError(e.code, e.message, key);
  }
}

export class RemoteStore implements BlobStore {
  constructor(private readonly base: URL, private readonly driver: 'r2' | 'sas' = 'r2') {}

  async #call(op: string, params: Record<string, string>, init: RequestInit = {}): Promise<Response> {
    const url = new URL(`/${op}`, this.base);
    url.searchParams.set('driver', this.driver);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, init);
    if (res.status === 500) throw rebuild(params['key'] ?? '', (await res.json()) as WireError);
    return res;
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const res = await this.#call('get', { key, opts: JSON.stringify(options) });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    const info = revive(JSON.parse(res.headers.get('x-info') ?? '{}') as BlobInfo & { range?: { offset: number; length: number } });
    return { ...info, body: res.body ?? new ReadableStream({ start: (c) => c.close() }) };
  }

  async head(key: string): Promise<BlobInfo | null> {
    const v = (await (await this.#call('head', { key })).json()) as BlobInfo | null;
    return v && revive(v);
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    if (body instanceof Uint8Array) {
      const res = await this.#call('put', { key, opts: JSON.stringify(options), bytes: '1' }, { method: 'POST', body: body as BodyInit });
      return (await res.json()) as PutResult;
    }
    // node:http with pipeline, not fetch: a streamed upload must be paced by the socket, so this
    // process never holds more than a chunk or two of the body (the suite measures exactly that).
    const url = new URL('/put', this.base);
    url.searchParams.set('driver', this.driver);
    url.searchParams.set('key', key);
    url.searchParams.set('opts', JSON.stringify(options));
    url.searchParams.set('bytes', '0');
    const req = request(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.once('error', reject);
      });
      req.once('error', reject);
    });
    response.catch(() => undefined);
    await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>, { highWaterMark: 1 }), req);
    const { status, text } = await response;
    if (status === 500) throw rebuild(key, JSON.parse(text) as WireError);
    return JSON.parse(text) as PutResult;
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    return (await (await this.#call('delete', { key, opts: JSON.stringify(options) }, { method: 'POST' })).json()) as boolean;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const page = (await (await this.#call('list', { prefix, opts: JSON.stringify(options) })).json()) as ListPage;
    return { ...page, items: page.items.map(revive) };
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    return (await (await this.#call('copy', { source, key: destination, opts: JSON.stringify(options) }, { method: 'POST' })).json()) as PutResult;
  }
}
