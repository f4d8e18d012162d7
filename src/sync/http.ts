/**
 * The HTTP side of `berth sync`: one source base URL, Basic auth from BERTH_TOKEN sent only to
 * that origin, retries with exponential backoff and jitter on 5xx, 429 and network errors, and
 * counters (requests, body bytes) for the summary.
 */
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
}

export interface GetOptions {
  /** Ask for the bytes from this offset on (`Range: bytes=N-`). */
  from?: number;
  /** Answer null instead of failing on 404. */
  allowMissing?: boolean;
}

const RETRY_STATUS = (s: number): boolean => s >= 500 || s === 429 || s === 408;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Source {
  readonly baseUrl: string;
  readonly origin: string;
  requests = 0;
  bytes = 0;
  readonly #auth: string | null;
  readonly #attempts: number;
  readonly #baseDelay: number;

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
   * GET with retries on transient failures. Resolves with a 200/206 response whose body the
   * caller must consume or cancel, or null for a tolerated 404.
   */
  async get(rel: string, opts: GetOptions = {}): Promise<Response | null> {
    const url = this.url(rel);
    const headers: Record<string, string> = { 'user-agent': 'berth-sync/0.1', accept: '*/*' };
    if (this.#auth && new URL(url).origin === this.origin) headers['authorization'] = this.#auth;
    if (opts.from !== undefined && opts.from > 0) headers['range'] = `bytes=${opts.from}-`;
    let last = '';
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await this.backoff(attempt - 1);
      let res: Response;
      try {
        this.requests++;
        res = await fetch(url, { headers, redirect: 'follow' });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        last = cause?.code ?? cause?.message ?? (e as Error).message;
        continue;
      }
      if (res.status === 200 || res.status === 206) return res;
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404 && opts.allowMissing) return null;
      if (RETRY_STATUS(res.status)) {
        last = `HTTP ${res.status}`;
        continue;
      }
      const hint = res.status === 401 ? ' (set BERTH_TOKEN to a read token for a private repo)' : '';
      throw new SyncError('sync.http', `GET ${url} answered ${res.status} ${res.statusText}${hint}`);
    }
    throw new SyncError('sync.network', `GET ${url} failed after ${this.#attempts} attempts: ${last}`);
  }

  /** A small document (repomd.xml, its signature, a key, the changes feed) read whole. */
  async getBytes(rel: string, opts: { allowMissing?: boolean } = {}): Promise<Uint8Array | null> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.get(rel, opts);
      if (!res) return null;
      try {
        const bytes = new Uint8Array(await res.arrayBuffer());
        this.bytes += bytes.length;
        return bytes;
      } catch (e) {
        if (attempt >= this.#attempts) throw new SyncError('sync.network', `reading ${this.url(rel)} failed: ${(e as Error).message}`);
        await this.backoff(attempt);
      }
    }
  }
}
