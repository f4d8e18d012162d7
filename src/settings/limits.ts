/** The per-token rate limit as src/http takes it, from the parsed settings of any runtime. */
import type { RateLimitConfig } from '../http/rate-limit.js';
import type { ServerSettings } from './load.js';

/** Null when off (BERTH_RATE_LIMIT unset or 0). */
export function rateLimitSettings(s: ServerSettings): RateLimitConfig | null {
  return s.BERTH_RATE_LIMIT > 0 ? { requests: s.BERTH_RATE_LIMIT, windowSeconds: s.BERTH_RATE_LIMIT_WINDOW } : null;
}
