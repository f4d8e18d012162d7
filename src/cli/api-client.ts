/**
 * The CLI's HTTP client for a running Berth service. Reads BERTH_URL (default
 * http://127.0.0.1:8080) and BERTH_TOKEN from the environment — never from flags, so a token does
 * not end up in shell history or `ps`. A problem answer becomes an `ApiError` carrying the
 * service's stable `code`, which the CLI prints and exits 1 with.
 */
import { CliError } from './command.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: unknown,
    /** The answer's Retry-After, in seconds, when it had one (503 `busy`, 429). */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${detail} (HTTP ${status}, ${code})`, 1);
  }
}

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
    let parsed: unknown = text;
    if (text !== '' && /json/.test(res.headers.get('content-type') ?? '')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // leave as text
      }
    }
    if (!res.ok) {
      const p = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { code?: unknown; detail?: unknown };
      const code = typeof p.code === 'string' ? p.code : `http_${res.status}`;
      const detail = typeof p.detail === 'string' ? p.detail : `${req.method} ${req.path} answered ${res.status} ${res.statusText}`;
      throw new ApiError(res.status, code, detail, parsed, parseRetryAfter(res.headers.get('retry-after')));
    }
    return { status: res.status, body: parsed as T };
  }
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
