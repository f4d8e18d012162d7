/**
 * Azure Blob Storage driver (@azure/storage-blob). Node-only (SDK streams); Workers reach Azure
 * through plain fetch + SAS instead (see docs/platform notes).
 *
 * - Construct from a connection string (Azurite, dev) or an account URL + credential (production,
 *   e.g. DefaultAzureCredential or a StorageSharedKeyCredential). Credentials are never logged.
 * - The container is created on first write (or eagerly with `init()`); reads from a container that
 *   does not exist yet see an empty store.
 * - Streaming puts stage blocks (`uploadStream`): memory is `blockSize * uploadConcurrency`, and the
 *   blob only appears when the block list is committed — that commit carries the conditions, so a
 *   lost create-only race costs the upload but never exposes a partial blob. Uncommitted blocks are
 *   garbage-collected by Azure.
 * - Azure ETags are already strong and quoted (`"0x8DC…"`); they change on every write.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  BlobServiceClient, RestError, type BlobDownloadResponseParsed, type BlobGetPropertiesResponse,
  type AnonymousCredential, type ContainerClient, type StoragePipelineOptions, type StorageSharedKeyCredential,
} from '@azure/storage-blob';
// A dependency of @azure/storage-blob, which does not re-export the type.
import type { TokenCredential } from '@azure/core-auth';
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetBytesOptions, GetOptions, ListOptions, ListPage,
  PutOptions, PutResult,
} from './blob-store.js';
import { checkedStore } from './checked-store.js';
import { DEFAULT_LIST_LIMIT } from './driver-util.js';
import { BlobNotFoundError, PreconditionFailedError, RangeNotSatisfiableError, StorageFailureError } from './errors.js';

/** StorageSharedKeyCredential, a TokenCredential (e.g. DefaultAzureCredential), or anonymous. */
export type AzureCredential = StorageSharedKeyCredential | AnonymousCredential | TokenCredential;

export type AzureBlobStoreOptions = (
  | { connectionString: string }
  | { accountUrl: string; credential: AzureCredential }
) & {
  /** 3-63 chars, lowercase letters, digits, hyphens. */
  container: string;
  /** Create the container when missing (default true). */
  createContainer?: boolean;
  /** Block size for streamed uploads (default 4 MiB). */
  blockSize?: number;
  /** Blocks in flight (and buffered) per streamed upload (default 2). */
  uploadConcurrency?: number;
  pipeline?: StoragePipelineOptions;
};

const status = (err: unknown): number | undefined => (err instanceof RestError ? err.statusCode : undefined);
const azureCode = (err: unknown): string | undefined => (err instanceof RestError ? err.code : undefined);

export class AzureBlobStore implements BlobStore {
  readonly #container: ContainerClient;
  readonly #create: boolean;
  readonly #blockSize: number;
  readonly #concurrency: number;
  #ready: Promise<void> | undefined;

  constructor(options: AzureBlobStoreOptions) {
    const service = 'connectionString' in options
      ? BlobServiceClient.fromConnectionString(options.connectionString, options.pipeline)
      : new BlobServiceClient(options.accountUrl, options.credential, options.pipeline);
    this.#container = service.getContainerClient(options.container);
    this.#create = options.createContainer ?? true;
    this.#blockSize = options.blockSize ?? 4 * 1024 * 1024;
    this.#concurrency = options.uploadConcurrency ?? 2;
  }

  /** Create the container now (optional; writes do it on demand). */
  async init(): Promise<void> {
    if (!this.#create) return;
    this.#ready ??= this.#container.createIfNotExists().then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined;
        throw err;
      },
    );
    await this.#ready;
  }

  /** One GET (of `range`): the response, or null when the blob does not exist. */
  async #download(key: string, range: GetOptions['range']): Promise<{ info: BlobInfo; returned: number; body: NodeJS.ReadableStream | undefined } | null> {
    const blob = this.#container.getBlobClient(key);
    let res: BlobDownloadResponseParsed;
    try {
      res = range ? await blob.download(range.offset, range.length) : await blob.download();
    } catch (err) {
      if (status(err) === 404) return null;
      if (status(err) === 416 && range) {
        const info = await this.head(key);
        if (!info) return null;
        throw new RangeNotSatisfiableError(key, range.offset, info.size);
      }
      throw err;
    }
    const body = res.readableStreamBody;
    const returned = res.contentLength ?? 0;
    const total = totalFromContentRange(res.contentRange) ?? returned;
    if (range && range.offset >= total) {
      (body as Readable | undefined)?.destroy();
      throw new RangeNotSatisfiableError(key, range.offset, total);
    }
    return { info: toInfo(key, res, total), returned, body };
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const range = options.range;
    const d = await this.#download(key, range);
    if (!d) return null;
    const web = d.body
      ? (Readable.toWeb(d.body as Readable) as unknown as ReadableStream<Uint8Array>)
      : new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return range ? { ...d.info, range: { offset: range.offset, length: d.returned }, body: web } : { ...d.info, body: web };
  }

  /**
   * One GET read straight from the response into one buffer (`into` when the bytes fit): no web
   * stream in between, and no allocation per read for a caller that lends its buffer back.
   */
  async getBytes(key: string, options: GetBytesOptions = {}): Promise<Uint8Array | null> {
    const d = await this.#download(key, options.range);
    if (!d) return null;
    const size = d.returned;
    const out = options.into && options.into.length >= size ? options.into.subarray(0, size) : new Uint8Array(size);
    let n = 0;
    const body = d.body as Readable | undefined;
    if (body) {
      try {
        for await (const piece of body as AsyncIterable<Uint8Array>) {
          if (n + piece.length > size) throw new StorageFailureError('read', key, { cause: new Error(`longer than its stated ${size} bytes`) });
          out.set(piece, n);
          n += piece.length;
        }
      } finally {
        body.destroy();
      }
    }
    if (n !== size) throw new StorageFailureError('read', key, { cause: new Error(`ended after ${n} of ${size} bytes`) });
    return out;
  }

  async head(key: string): Promise<BlobInfo | null> {
    try {
      const props = await this.#container.getBlobClient(key).getProperties();
      return toInfo(key, props, props.contentLength ?? 0);
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    await this.init();
    const blob = this.#container.getBlockBlobClient(key);
    const common = {
      conditions: conditionsOf(options),
      metadata: { ...options.metadata },
      blobHTTPHeaders: options.contentType === undefined ? {} : { blobContentType: options.contentType },
    };
    try {
      const res = body instanceof Uint8Array
        ? await blob.uploadData(body, common)
        : await blob.uploadStream(
          Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>),
          this.#blockSize,
          this.#concurrency,
          common,
        );
      return { etag: requireEtag(res.etag) };
    } catch (err) {
      throw conditionError(key, options, err);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.#container.getBlobClient(key).delete({ conditions: conditionsOf(options) });
      return true;
    } catch (err) {
      if (status(err) === 404 && options.ifMatch === undefined) return false;
      throw conditionError(key, options, err);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const pages = this.#container
      .listBlobsFlat(prefix === '' ? {} : { prefix })
      .byPage({ maxPageSize: options.limit ?? DEFAULT_LIST_LIMIT, ...(options.cursor ? { continuationToken: options.cursor } : {}) });
    try {
      const next = await pages.next();
      if (next.done) return { items: [] };
      const page = next.value;
      const items = page.segment.blobItems.map((b) => ({
        key: b.name,
        size: b.properties.contentLength ?? 0,
        etag: requireEtag(b.properties.etag),
        lastModified: b.properties.lastModified,
      }));
      return page.continuationToken ? { items, cursor: page.continuationToken } : { items };
    } catch (err) {
      if (status(err) === 404 && azureCode(err) === 'ContainerNotFound') return { items: [] };
      throw err;
    }
  }

  /** Server-side copy within the account; content type and metadata travel with the blob. */
  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    await this.init();
    const src = this.#container.getBlobClient(source);
    const dst = this.#container.getBlobClient(destination);
    try {
      const poller = await dst.beginCopyFromURL(src.url, { conditions: conditionsOf(options) });
      const res = await poller.pollUntilDone();
      if (res.copyStatus !== 'success') throw new Error(`copy ended with status ${res.copyStatus ?? 'unknown'}`);
      return { etag: requireEtag(res.etag) };
    } catch (err) {
      if (status(err) === 404 && ['BlobNotFound', 'CannotVerifyCopySource'].includes(azureCode(err) ?? '')) {
        throw new BlobNotFoundError(source, { cause: err });
      }
      throw conditionError(destination, options, err);
    }
  }
}

function conditionsOf(o: { ifMatch?: string; ifNoneMatch?: '*' }): { ifMatch?: string; ifNoneMatch?: string } {
  const c: { ifMatch?: string; ifNoneMatch?: string } = {};
  if (o.ifMatch !== undefined) c.ifMatch = o.ifMatch.startsWith('"') ? o.ifMatch : `"${o.ifMatch}"`;
  if (o.ifNoneMatch !== undefined) c.ifNoneMatch = o.ifNoneMatch;
  return c;
}

/** 412 (stale ETag), 409 BlobAlreadyExists (create-only) and 404 under If-Match all mean "lost". */
function conditionError(key: string, o: { ifMatch?: string; ifNoneMatch?: '*' }, err: unknown): unknown {
  const s = status(err);
  if (s === 412) return new PreconditionFailedError(key, 'condition not met', { cause: err });
  if (s === 409 && o.ifNoneMatch === '*' && azureCode(err) === 'BlobAlreadyExists') {
    return new PreconditionFailedError(key, 'blob already exists', { cause: err });
  }
  if (s === 404 && o.ifMatch !== undefined) return new PreconditionFailedError(key, 'blob does not exist', { cause: err });
  return err;
}

function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('Azure response carried no ETag');
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** `bytes 0-9/100` → 100. */
function totalFromContentRange(cr: string | undefined): number | undefined {
  const m = cr ? /\/(\d+)$/.exec(cr) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

function toInfo(key: string, r: BlobDownloadResponseParsed | BlobGetPropertiesResponse, size: number): BlobInfo {
  const info: BlobInfo = {
    key,
    size,
    etag: requireEtag(r.etag),
    lastModified: r.lastModified ?? new Date(0),
    metadata: { ...r.metadata },
  };
  if (r.contentType !== undefined) info.contentType = r.contentType;
  return info;
}

/** A checked Azure store. */
export function createAzureBlobStore(options: AzureBlobStoreOptions): BlobStore {
  return checkedStore(new AzureBlobStore(options));
}
