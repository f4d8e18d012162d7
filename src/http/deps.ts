/**
 * Everything the HTTP app needs, built by each runtime's adapter (Node server, Azure Functions,
 * Worker). The app itself never reads the environment and never constructs a driver.
 */
import type { Platform } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { EventSink } from '../repo/events.js';
import type { ServeCache } from './cache/serve-cache.js';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * The per-request access line, when the logger has a faster way to write it than `info`/`error`
   * with these fields as `msg: 'request'` (which is what it must produce, field for field).
   */
  access?(level: 'info' | 'error', line: AccessLine): void;
}

/** The access-log fields, in this order; never headers or tokens. */
export interface AccessLine {
  requestId: string | undefined;
  method: string;
  path: string;
  status: number;
  ms: number;
  principal: string;
}

export interface ServiceConfig {
  /** Largest package accepted by PUT …/packages, in bytes (413 above it). */
  maxUploadBytes: number;
  /** How long superseded repodata stays downloadable, in seconds (default 3 days). */
  retentionSeconds: number;
  /** SHA-256 hex of the operator credential (BERTH_ADMIN_TOKEN); never the credential itself. */
  operatorTokenHash: string | null;
  /** Public base URL used in config.repo (e.g. https://repo.example.com); from the request when null. */
  publicUrl: string | null;
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
}
