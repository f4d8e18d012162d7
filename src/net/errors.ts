/**
 * Why an outbound request failed. Messages name the URL, the status or the bound that was hit,
 * never anything read from the body (a body, or a digest of one, would turn Berth into an
 * oracle for what an internal address answers).
 */
import { BerthError } from '../core/errors.js';

export type OutboundCode =
  | 'egress_refused' // the address policy refused the URL or an address it resolved to
  | 'upstream_too_large' // the body passed its limit (reading stopped there)
  | 'upstream_timeout' // connect, idle or total timeout
  | 'upstream_redirects' // too many redirects, or a redirect without a usable Location
  | 'upstream_http_error' // an error status
  | 'upstream_unreachable'; // DNS, connection or TLS failure

export class OutboundError extends BerthError {
  override name = 'OutboundError';
  constructor(
    readonly outboundCode: OutboundCode,
    message: string,
    readonly details: { url?: string; status?: number; retryable?: boolean } = {},
  ) {
    super(outboundCode, message);
  }

  get retryable(): boolean {
    return this.details.retryable === true;
  }
}

export const isOutboundError = (e: unknown): e is OutboundError =>
  e instanceof OutboundError || (e as { name?: unknown } | null)?.name === 'OutboundError';
