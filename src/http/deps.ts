/**
 * Everything the HTTP app needs, built by each runtime's adapter (Node server, Azure Functions,
 * Worker). The app itself never reads the environment and never constructs a driver.
 */
import type { Platform } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { EventSink } from '../repo/events.js';
import type { ServeCache } from './cache/serve-cache.js';
import type { Logger } from '../core/logger.js';
import type { Outbound } from '../net/outbound.js';
import type { RateLimitConfig } from './rate-limit.js';

export interface ServiceConfig {
  /** Largest package accepted by PUT …/packages, in bytes (413 above it). */
  maxUploadBytes: number;
  /** How long superseded repodata stays downloadable, in seconds (default 3 days). */
  retentionSeconds: number;
  /** SHA-256 hex of the operator credential (BERTH_ADMIN_TOKEN); never the credential itself. */
  operatorTokenHash: string | null;
  /** Public base URL used in config.repo (e.g. https://repo.example.com); from the request when null. */
  publicUrl: string | null;
  /** Requests per token per window (http/rate-limit.ts); absent, null or 0 requests: no limit but a tenant's own (window 60 s when absent). */
  rateLimit?: RateLimitConfig | null;
  /** Bytes of packages a tenant may store (repo/usage.ts); absent or null: no quota. */
  tenantQuotaBytes?: number | null;
}

export interface AppDeps {
  store: BlobStore;
  platform: Platform;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
  config: ServiceConfig;
  /**
   * Hot-path cache for dnf reads and token checks (http/cache/serve-cache.ts). Absent: every
   * request reads the store. Whoever regenerates in-process must call `invalidateRepo`.
   */
  cache?: ServeCache;
  /**
   * Outbound HTTP for mirror runs (src/net: egress policy, limits, timeouts), built by the
   * adapter from its settings. Absent: mirror runs fail with `egress_unconfigured`.
   */
  outbound?: Outbound;
  /** Aborted when the process shuts down: mirror runs stop their fetches and fail cleanly. */
  shutdown?: AbortSignal;
  /** Tenants whose scheduled mirror runs may be in progress at once (default 4). */
  mirrorTenants?: number;
}
