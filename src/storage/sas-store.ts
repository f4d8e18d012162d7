/**
 * Read-only BlobStore over Azure Blob Storage with plain `fetch` and a SAS token: the edge read
 * path for a Worker in front of an Azure-hosted Berth (the Azure SDK's browser build does not run
 * in workerd, and its Node build grows the bundle thirty-fold). get (with ranges), head and list
 * only; writes throw `ReadOnlyStoreError`, so a misconfigured Worker fails loudly instead of
 * pretending to publish.
 *
 * The SAS needs read + list permission on the container (`sp=rl`); it is sent only in the query
 * string of requests to `containerUrl` and never appears in errors (messages carry the key only).
 */
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetOptions, ListItem, ListOptions, ListPage,
  PutOptions, PutResult,
} from './blob-store.js';
import { quoteEtag } from './blob-store.js';
import { checkedStore } from './checked-store.js';
import { DEFAULT_LIST_LIMIT } from './driver-util.js';
import { RangeNotSatisfiableError, StorageError, StorageFailureError } from './errors.js';

/** A write reached a read-only store. */
export class ReadOnlyStoreError extends StorageError {
  override name = 'ReadOnlyStoreError';
  static readonly CODE = 'read_only_store';
  constructor(op: string, key: string | undefined) {
    super(ReadOnlyStoreError.CODE, `this store is read-only (Azure Blob via SAS): ${op} refused`, key);
  }
}

export interface SasBlobStoreOptions {
  /** `https://<account>.blob.core.windows.net/<container>` (or an Azurite URL), no query string. */
  containerUrl: string;
  /** The SAS query string, with or without a leading `?`. */
  sas: string;
  fetch?: typeof fetch;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (XML_ENTITIES[e] ?? ''));
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** `bytes 0-9/100` → 100. */
function totalFromContentRange(cr: string | null): number | undefined {
  const m = cr ? /\/(\d+)$/.exec(cr) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

export class SasBlobStore implements BlobStore {
  readonly #base: string;
  readonly #sas: string;
  readonly #fetch: typeof fetch;

  constructor(options: SasBlobStoreOptions) {
    this.#base = options.containerUrl.replace(/\/+$/, '');
    this.#sas = options.sas.replace(/^\?/, '');
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  #blobUrl(key: string): string {
    return `${this.#base}/${key.split('/').map(encodeURIComponent).join('/')}?${this.#sas}`;
  }

  #info(key: string, res: Response, size: number): BlobInfo {
    const metadata: Record<string, string> = {};
    for (const [name, value] of res.headers) if (name.startsWith('x-ms-meta-')) metadata[name.slice(10)] = value;
    const etag = res.headers.get('etag');
    if (!etag) throw new Error('Azure response carried no ETag');
    const info: BlobInfo = { key, size, etag: quoteEtag(etag), lastModified: new Date(res.headers.get('last-modified') ?? 0), metadata };
    const type = res.headers.get('content-type');
    if (type !== null) info.contentType = type;
    return info;
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const range = options.range;
    const headers: Record<string, string> = {};
    if (range) headers['x-ms-range'] = `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}`;
    const res = await this.#fetch(this.#blobUrl(key), { headers });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status === 416 && range) {
      await res.body?.cancel();
      const info = await this.head(key);
      if (!info) return null;
      throw new RangeNotSatisfiableError(key, range.offset, info.size);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new StorageFailureError('get', key, { cause: new Error(`Azure answered ${res.status}`) });
    }
    const returned = Number(res.headers.get('content-length') ?? 0);
    const total = totalFromContentRange(res.headers.get('content-range')) ?? returned;
    const info = this.#info(key, res, total);
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    if (!range) return { ...info, body };
    if (range.offset >= total) {
      await body.cancel();
      throw new RangeNotSatisfiableError(key, range.offset, total);
    }
    return { ...info, range: { offset: range.offset, length: returned }, body };
  }

  async head(key: string): Promise<BlobInfo | null> {
    const res = await this.#fetch(this.#blobUrl(key), { method: 'HEAD' });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new StorageFailureError('head', key, { cause: new Error(`Azure answered ${res.status}`) });
    return this.#info(key, res, Number(res.headers.get('content-length') ?? 0));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const q = new URLSearchParams({ restype: 'container', comp: 'list', maxresults: String(options.limit ?? DEFAULT_LIST_LIMIT) });
    if (prefix !== '') q.set('prefix', prefix);
    if (options.cursor !== undefined) q.set('marker', options.cursor);
    const res = await this.#fetch(`${this.#base}?${q.toString()}&${this.#sas}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return { items: [] };
    }
    if (res.status !== 200) throw new StorageFailureError('list', prefix || undefined, { cause: new Error(`Azure answered ${res.status}`) });
    // A page is at most `limit` (≤ 1000) short entries: small enough to read whole.
    const xml = await res.text();
    const items: ListItem[] = [];
    for (const m of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) {
      const blob = m[1] ?? '';
      const name = tag(blob, 'Name');
      const etag = tag(blob, 'Etag');
      if (name === undefined || etag === undefined) continue;
      items.push({
        key: name,
        size: Number(tag(blob, 'Content-Length') ?? 0),
        etag: quoteEtag(etag),
        lastModified: new Date(tag(blob, 'Last-Modified') ?? 0),
      });
    }
    const next = tag(xml, 'NextMarker');
    return next ? { items, cursor: next } : { items };
  }

  async put(key: string, _body: Uint8Array | ReadableStream<Uint8Array>, _options?: PutOptions): Promise<PutResult> {
    throw new ReadOnlyStoreError('put', key);
  }

  async delete(key: string, _options?: DeleteOptions): Promise<boolean> {
    throw new ReadOnlyStoreError('delete', key);
  }

  async copy(_source: string, destination: string, _options?: CopyOptions): Promise<PutResult> {
    throw new ReadOnlyStoreError('copy', destination);
  }
}

/**
 * A checked SAS store. Writes are refused before the checked layer sees them, so callers get
 * `ReadOnlyStoreError` (code `read_only_store`) rather than a wrapped failure; a caller's stream
 * body is cancelled so its producer is not left hanging.
 */
export function createSasBlobStore(options: SasBlobStoreOptions): BlobStore {
  const checked = checkedStore(new SasBlobStore(options));
  return {
    get: (key, o) => checked.get(key, o),
    head: (key) => checked.head(key),
    list: (prefix, o) => checked.list(prefix, o),
    async put(key, body) {
      if (!(body instanceof Uint8Array)) await body.cancel().catch(() => undefined);
      throw new ReadOnlyStoreError('put', key);
    },
    async delete(key) {
      throw new ReadOnlyStoreError('delete', key);
    },
    async copy(_source, destination) {
      throw new ReadOnlyStoreError('copy', destination);
    },
  };
}
