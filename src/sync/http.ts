/**
 * The HTTP side of `berth sync`: one source base URL, through the outbound client (src/net) for
 * its limits — connect/idle/total timeouts, bounded redirects, bodies read with a limit that stops
 * reading — but without the server's address policy: the person running sync chose the URL, and
 * an appliance usually syncs from a server on its own network. Basic auth from BERTH_TOKEN goes to
 * the source's origin only (never along a redirect elsewhere); retries with exponential backoff
 * and jitter on 5xx, 429, 408, timeouts and network errors; counters for the summary.
 */
import { readAll } from '../net/bounded-body.js';
import { isOutboundError } from '../net/errors.js';
import { DEFAULT_OUTBOUND_LIMITS, type OutboundLimits } from '../net/limits.js';
import { createOutbound, shownUrl, type Outbound, type OutboundResponse, type Transport } from '../net/outbound.js';
import { rangeHeader, type ByteSpan } from '../net/range.js';
import { SyncError } from './errors.js';

export interface SourceOptions {
  /** Repo base URL (what dnf calls baseurl), without a trailing slash. */
  baseUrl: string;
  /** Sent as the Basic password (user `berth`) to the source's origin only. */
  token?: string | undefined;
  /** Attempts per request, first included (default 5). */
  attempts?: number;
  /** First backoff ceiling in ms (default 250), doubled per attempt up to 8 s. */
  baseDelayMs?: number;
  /** The runtime's fetch (the CLI passes Node's, with its connect timeout); global fetch by default. */
  transport?: Transport;
  limits?: Partial<OutboundLimits>;
}

export interface GetOptions {
  /** Ask for the bytes from this offset on (`Range: bytes=N-`). */
  from?: number;
  /** Ask for exactly these bytes (`Range: bytes=first-last`); the caller checks the answer (src/net/range.ts). */
  range?: ByteSpan;
  /** Answer null instead of failing on 404. */
  allowMissing?: boolean;
  /** Most body bytes accepted (reading stops past it); default the document limit. */
  maxBytes?: number;
  /** Every body chunk's length, as it is read. */
  onBytes?: (n: number) => void;
}

const RETRY_STATUS = (s: number): boolean => s >= 500 || s === 429 || s === 408;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Source {
  readonly baseUrl: string;
  readonly origin: string;
  readonly limits: OutboundLimits;
  requests = 0;
  bytes = 0;
  readonly #auth: string | null;
  readonly #attempts: number;
  readonly #baseDelay: number;
  readonly #outbound: Outbound;

  constructor(opts: SourceOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new SyncError('sync.usage', `not a URL: ${JSON.stringify(opts.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SyncError('sync.usage', `only http:// and https:// sources are supported, not ${url.protocol}`);
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.origin = url.origin;
    this.#auth = opts.token ? `Basic ${Buffer.from(`berth:${opts.token}`).toString('base64')}` : null;
    this.#attempts = Math.max(1, opts.attempts ?? 5);
    this.#baseDelay = opts.baseDelayMs ?? 250;
    this.limits = { ...DEFAULT_OUTBOUND_LIMITS, ...opts.limits };
    this.#outbound = createOutbound({
      transport: opts.transport ?? ((u, init) => fetch(u, init)), policy: 'unrestricted', limits: this.limits, userAgent: 'berth-sync/0.1',
    });
  }

  /** Absolute URL of a path relative to the repo (or an absolute URL as is). */
  url(rel: string): string {
    return /^https?:\/\//.test(rel) ? rel : `${this.baseUrl}/${rel.replace(/^\/+/, '')}`;
  }

  /** Backoff before attempt `n` (1-based retry count): full jitter under an exponential ceiling. */
  async backoff(n: number): Promise<void> {
    await sleep(Math.random() * Math.min(8000, this.#baseDelay * 2 ** (n - 1)));
  }

  get attempts(): number {
    return this.#attempts;
  }

  /**
   * GET with retries on transient failures. Resolves with a 200/206 response whose (bounded)
   * body the caller must consume or cancel, or null for a tolerated 404.
   */
  async get(rel: string, opts: GetOptions = {}): Promise<OutboundResponse | null> {
    const url = this.url(rel);
    const shown = shownUrl(url);
    const headers: Record<string, string> = {};
    if (this.#auth && new URL(url).origin === this.origin) headers['authorization'] = this.#auth;
    if (opts.range) headers['range'] = rangeHeader(opts.range);
    else if (opts.from !== undefined && opts.from > 0) headers['range'] = `bytes=${opts.from}-`;
    let last = '';
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await this.backoff(attempt - 1);
      let res: OutboundResponse;
      try {
        this.requests++;
        res = await this.#outbound.get(url, {
          maxBytes: opts.maxBytes ?? this.limits.maxDocumentBytes, headers,
          onBytes: (n) => {
            this.bytes += n;
            opts.onBytes?.(n);
          },
        });
      } catch (e) {
        if (isOutboundError(e) && !e.retryable) throw new SyncError('sync.http', `GET ${shown}: ${e.message}`, { cause: e });
        last = (e as Error).message;
        continue;
      }
      if (res.status === 200 || res.status === 206) return res;
      await res.body.cancel().catch(() => undefined);
      if (res.status === 404 && opts.allowMissing) return null;
      if (RETRY_STATUS(res.status)) {
        last = `HTTP ${res.status}`;
        continue;
      }
      const hint = res.status === 401 ? ' (set BERTH_TOKEN to a read token for a private repo)' : '';
      throw new SyncError('sync.http', `GET ${shown} answered ${res.status}${hint}`);
    }
    throw new SyncError('sync.network', `GET ${shown} failed after ${this.#attempts} attempts: ${last}`);
  }

  /** A small document (repomd.xml, its signature, a key, the changes feed) read whole, bounded. */
  async getDocument(rel: string, opts: { allowMissing?: boolean } = {}): Promise<{ bytes: Uint8Array; headers: Headers } | null> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.get(rel, opts);
      if (!res) return null;
      try {
        return { bytes: await readAll(res.body), headers: res.headers };
      } catch (e) {
        if (isOutboundError(e) && e.outboundCode === 'upstream_too_large') {
          throw new SyncError('sync.too-large', `${shownUrl(this.url(rel))} is larger than the ${this.limits.maxDocumentBytes} bytes a document may have`);
        }
        if (attempt >= this.#attempts) throw new SyncError('sync.network', `reading ${shownUrl(this.url(rel))} failed: ${(e as Error).message}`);
        await this.backoff(attempt);
      }
    }
  }

  /** The document's bytes only. */
  async getBytes(rel: string, opts: { allowMissing?: boolean } = {}): Promise<Uint8Array | null> {
    return (await this.getDocument(rel, opts))?.bytes ?? null;
  }
}
