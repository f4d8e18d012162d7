/**
 * The one way server-side code fetches from the outside: GET through a runtime `Transport` that
 * never follows redirects itself. Redirects are followed here, a bounded number of times, each
 * target checked by the egress policy before it is requested (the transport checks resolved
 * addresses where the runtime lets it). Every response body comes back bounded (bytes, idle
 * time, total time), so no caller can read an upstream body without a limit.
 */
import { boundedBody, toError } from './bounded-body.js';
import { checkUrl, type EgressPolicy } from './egress-policy.js';
import { OutboundError } from './errors.js';
import { DEFAULT_OUTBOUND_LIMITS, type OutboundLimits } from './limits.js';

/**
 * What a runtime supplies: fetch with `redirect: 'manual'` honoured. On Node it connects only to
 * addresses the policy allows (src/adapters/node/egress.ts); on Workers it is the global fetch.
 */
export type Transport = (url: string, init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal; redirect: 'manual' }) => Promise<Response>;

export interface OutboundGet {
  /** Largest body accepted; reading stops past it with `upstream_too_large`. */
  maxBytes: number;
  headers?: Record<string, string>;
  /** The caller gives up (shutdown, a failed sibling download). */
  signal?: AbortSignal;
  /** Every body chunk's length, as it is read. */
  onBytes?: (n: number) => void;
}

export interface OutboundResponse {
  status: number;
  headers: Headers;
  /** The URL that answered (after redirects). */
  url: string;
  /** Bounded; consume it or cancel it. Empty for statuses without one. */
  body: ReadableStream<Uint8Array>;
}

export interface Outbound {
  readonly limits: OutboundLimits;
  get(url: string, opts: OutboundGet): Promise<OutboundResponse>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** URL without query or fragment, for messages (a query may carry a signature or token). */
export function shownUrl(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

type Timer = ReturnType<typeof setTimeout>;

export function createOutbound(opts: { transport: Transport; policy: EgressPolicy | 'unrestricted'; limits?: Partial<OutboundLimits>; userAgent?: string }): Outbound {
  const limits: OutboundLimits = { ...DEFAULT_OUTBOUND_LIMITS, ...opts.limits };
  const check = (u: URL): void => {
    if (opts.policy !== 'unrestricted') checkUrl(opts.policy, u);
    else if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new OutboundError('egress_refused', `refusing to fetch ${shownUrl(u)}: only http and https are allowed`);
    }
  };

  async function get(url: string, g: OutboundGet): Promise<OutboundResponse> {
    let current: URL;
    try {
      current = new URL(url);
    } catch {
      throw new OutboundError('egress_refused', `not a URL: ${JSON.stringify(url.slice(0, 200))}`);
    }
    const started = shownUrl(current);
    // One controller per request: the total deadline, the caller's signal, and idle timeouts all end it.
    const ctl = new AbortController();
    let reason: Error | null = null;
    const abort = (e: Error): void => {
      reason ??= e;
      ctl.abort(e);
    };
    const total: Timer = setTimeout(() => abort(new OutboundError('upstream_timeout',
      `${started}: not finished within ${limits.totalTimeoutMs} ms`, { url: started, retryable: true })), limits.totalTimeoutMs);
    (total as { unref?: () => void }).unref?.();
    const onCaller = (): void => abort(g.signal?.reason instanceof Error ? g.signal.reason : new Error('aborted'));
    if (g.signal?.aborted) onCaller();
    g.signal?.addEventListener('abort', onCaller, { once: true });
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(total);
      g.signal?.removeEventListener('abort', onCaller);
    };
    const abortError = (): Error => reason ?? new OutboundError('upstream_timeout', `${started}: aborted`, { url: started });

    const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? 'berth', accept: '*/*', 'accept-encoding': 'identity', ...g.headers };
    const origin = current.origin;
    try {
      for (let hop = 0; ; hop++) {
        check(current);
        const res = await waitForHead(opts.transport, current, headers, ctl.signal, limits, abortError, abort);
        if (!REDIRECTS.has(res.status)) {
          const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
          return {
            status: res.status, headers: res.headers, url: current.href,
            body: boundedBody(body, {
              maxBytes: g.maxBytes, idleMs: limits.idleTimeoutMs, url: shownUrl(current), signal: ctl.signal, abortError,
              onSettled: release, ...(g.onBytes ? { onBytes: g.onBytes } : {}),
            }),
          };
        }
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        if (hop >= limits.maxRedirects) {
          throw new OutboundError('upstream_redirects', `${started}: more than ${limits.maxRedirects} redirects`, { url: started });
        }
        let next: URL;
        try {
          next = new URL(location ?? '', current);
        } catch {
          throw new OutboundError('upstream_redirects', `${shownUrl(current)}: redirect ${res.status} without a usable Location`, { url: shownUrl(current) });
        }
        if (location === null) throw new OutboundError('upstream_redirects', `${shownUrl(current)}: redirect ${res.status} without a Location`, { url: shownUrl(current) });
        // credentials go to the origin they were meant for, never along a redirect elsewhere
        if (next.origin !== origin) delete headers['authorization'];
        current = next;
      }
    } catch (e) {
      release();
      throw toError(e, shownUrl(current));
    }
  }

  return { limits, get };
}

/** The response head, within connect + idle time (the transport also bounds connecting itself). */
async function waitForHead(
  transport: Transport, url: URL, headers: Record<string, string>, signal: AbortSignal, limits: OutboundLimits, abortError: () => Error,
  abort: (e: Error) => void,
): Promise<Response> {
  const wait = limits.connectTimeoutMs + limits.idleTimeoutMs;
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new OutboundError('upstream_timeout', `${shownUrl(url)}: no response within ${wait} ms`, { url: shownUrl(url), retryable: true });
      abort(e);
      reject(e);
    }, wait);
  });
  try {
    return await Promise.race([
      transport(url.href, { method: 'GET', headers, signal, redirect: 'manual' }).catch((e: unknown) => {
        throw signal.aborted ? abortError() : unwrapOutbound(e) ?? e;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The transport's fetch wraps a refusal from the connect-time check in its own error: find it. */
function unwrapOutbound(e: unknown): OutboundError | null {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++) {
    if (c instanceof OutboundError || (c as { name?: string }).name === 'OutboundError') return c as OutboundError;
  }
  return null;
}
