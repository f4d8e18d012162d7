/**
 * The CLI's HTTP client for a running Berth service. Reads BERTH_URL (default
 * http://127.0.0.1:8080) and BERTH_TOKEN from the environment — never from flags, so a token does
 * not end up in shell history or `ps`. A problem answer becomes an `ApiError` carrying the
 * service's stable `code`, which the CLI prints and exits 1 with.
 */
import { createReadStream } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CliError } from './command.js';
import { ApiError } from './api-error.js';

export { ApiError };

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Retry-After as seconds from `now`: delay-seconds or an HTTP date (RFC 9110 §10.2.3); else undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  json?: unknown;
  /** Raw body; a stream needs `contentLength` (uploads are never sent chunked). */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  contentType?: string;
  contentLength?: number;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** From BERTH_URL / BERTH_TOKEN. A missing token is a usage error (exit 2). */
  static fromEnv(env: Record<string, string | undefined> = process.env): ApiClient {
    const url = env['BERTH_URL'] || DEFAULT_URL;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(`BERTH_URL is not a URL: ${JSON.stringify(url)}`, 2);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError(`BERTH_URL must be http:// or https://, not ${parsed.protocol}`, 2);
    }
    const token = env['BERTH_TOKEN'];
    if (!token) throw new CliError('BERTH_TOKEN is not set (an operator or tenant token)', 2);
    return new ApiClient(parsed.href.replace(/\/+$/, ''), token);
  }

  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/json',
    };
    let body: BodyInit | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/octet-stream';
      body = req.body as BodyInit;
    }
    if (req.contentLength !== undefined) headers['content-length'] = String(req.contentLength);
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        // Required by fetch for a stream body; harmless otherwise.
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, 1);
    }
    const text = await res.text();
    return answer<T>(req, { status: res.status, statusText: res.statusText, contentType: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after') }, text);
  }

  /**
   * PUT of a local file, streamed from disk with its Content-Length over a kept-alive connection
   * (node:http, not fetch: for a bulk upload of many small files, fetch's per-request web-stream
   * machinery cost more CPU than the upload itself). Answers and errors as `request`.
   */
  uploadFile<T = unknown>(path: string, file: string, size: number, contentType: string): Promise<ApiResponse<T>> {
    const url = new URL(`${this.baseUrl}${path}`);
    const secure = url.protocol === 'https:';
    const req: ApiRequest = { method: 'PUT', path };
    return new Promise<ApiResponse<T>>((resolve, reject) => {
      const send = (secure ? httpsRequest : httpRequest)(url, {
        method: 'PUT',
        agent: secure ? httpsAgent : httpAgent,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', 'content-type': contentType, 'content-length': String(size) },
      }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.once('error', (err) => reject(new CliError(`cannot reach ${this.baseUrl}: ${err.message}`, 1)));
        res.once('end', () => {
          try {
            const header = (name: string): string | null => {
              const v = res.headers[name];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            };
            resolve(answer<T>(req, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', contentType: header('content-type'), retryAfter: header('retry-after') }, Buffer.concat(parts).toString('utf8')));
          } catch (err) {
            reject(err);
          }
        });
      });
      send.once('error', (err: Error & { code?: string }) => reject(new CliError(`cannot reach ${this.baseUrl}: ${err.code ?? err.message}`, 1)));
      const body = createReadStream(file);
      body.once('error', (err) => {
        send.destroy(err);
      });
      body.pipe(send);
    });
  }
}

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/** A response as the CLI sees it: the body parsed when JSON, a problem answer thrown as `ApiError`. */
function answer<T>(req: Pick<ApiRequest, 'method' | 'path'>, res: { status: number; statusText: string; contentType: string | null; retryAfter: string | null }, text: string): ApiResponse<T> {
  let parsed: unknown = text;
  if (text !== '' && /json/.test(res.contentType ?? '')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // leave as text
    }
  }
  if (res.status < 200 || res.status > 299) {
    const p = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { code?: unknown; detail?: unknown };
    const code = typeof p.code === 'string' ? p.code : `http_${res.status}`;
    const detail = typeof p.detail === 'string' ? p.detail : `${req.method} ${req.path} answered ${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, detail, parsed, parseRetryAfter(res.retryAfter));
  }
  return { status: res.status, body: parsed as T };
}

/** `tenant/repo` → its two names (usage error otherwise). */
export function splitRepo(arg: string | undefined, allowTenantOnly = false): { tenant: string; repo?: string } {
  const m = /^([^/\s]+)(?:\/([^/\s]+))?$/.exec(arg ?? '');
  if (!m || (!allowTenantOnly && m[2] === undefined)) {
    throw new CliError(`expected ${allowTenantOnly ? 'TENANT or TENANT/REPO' : 'TENANT/REPO'}, got ${JSON.stringify(arg ?? '')}`, 2);
  }
  return m[2] === undefined ? { tenant: m[1]! } : { tenant: m[1]!, repo: m[2] };
}

export const enc = encodeURIComponent;
