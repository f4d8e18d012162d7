/** The per-token rate limit as src/http takes it, from the parsed settings of any runtime. */
import type { RateLimitConfig } from '../http/rate-limit.js';
import type { ServerSettings } from './load.js';

/** `requests` 0 when off (BERTH_RATE_LIMIT unset or 0): the window still applies to tenants the operator gave a limit. */
export function rateLimitSettings(s: ServerSettings): RateLimitConfig {
  return { requests: s.BERTH_RATE_LIMIT, windowSeconds: s.BERTH_RATE_LIMIT_WINDOW };
}
