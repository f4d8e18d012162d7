/**
 * Worker settings: the one settings schema (src/settings) read from `env` (wrangler.jsonc `vars`,
 * secrets from `wrangler secret put`; vars may arrive as JSON numbers), plus the bindings the
 * storage mode needs. Errors name the variable, never a secret's value.
 */
import { BerthError } from '../../core/errors.js';
import type { Codec } from '../../core/platform.js';
import type { R2BucketLike } from '../../storage/r2-store.js';
import { loadSettings, SettingsError } from '../../settings/load.js';
import { outboundSettings, type OutboundSettings } from '../../settings/outbound.js';
import { rateLimitSettings } from '../../settings/limits.js';
import type { RateLimitConfig } from '../../http/rate-limit.js';
import { zstdAvailable } from './platform.js';

export interface QueueLike<T> {
  send(body: T): Promise<void>;
}

/** What the Worker reads from its environment: bindings, and settings by their schema names. */
export interface WorkerEnv {
  /** R2 bucket binding (storage `r2`). */
  BUCKET?: R2BucketLike;
  /** Queue producer for RepoChanged events (storage `r2`). */
  EVENTS?: QueueLike<unknown>;
  /** Settings (src/settings/schema.ts): strings, or numbers from wrangler vars. */
  [setting: string]: unknown;
}

export class WorkerConfigError extends BerthError {
  override name = 'WorkerConfigError';
  constructor(message: string) {
    super('worker_config', message);
  }
}

export type WorkerStorage =
  | { kind: 'r2'; bucket: R2BucketLike; events: QueueLike<unknown> }
  | { kind: 'azure-sas'; containerUrl: string; sas: string };

export interface WorkerConfig {
  storage: WorkerStorage;
  operatorTokenHash: string | null;
  publicUrl: string | null;
  maxUploadBytes: number;
  retentionSeconds: number;
  tokenCacheSeconds: number;
  metadataCacheSeconds: number;
  codec: Codec;
  /** Egress policy (BERTH_EGRESS_ALLOW), upstream limits and timeouts, tenants mirrored at once. */
  outbound: OutboundSettings;
  /** Per-token rate limit (BERTH_RATE_LIMIT); null: off. */
  rateLimit: RateLimitConfig | null;
  /** Per-tenant storage quota in bytes (BERTH_TENANT_QUOTA); null: none. */
  tenantQuotaBytes: number | null;
  /** Deprecated names in use: logged once when the isolate builds its deps. */
  warnings: string[];
}

export function parseWorkerEnv(env: WorkerEnv): WorkerConfig {
  let loaded;
  try {
    loaded = loadSettings('worker', env);
  } catch (e) {
    if (e instanceof SettingsError) throw new WorkerConfigError(e.message);
    throw e;
  }
  const { values: s, operatorTokenHash, warnings } = loaded;
  let storage: WorkerStorage;
  if (s.BERTH_STORAGE === 'r2') {
    if (!env.BUCKET) throw new WorkerConfigError('BERTH_STORAGE=r2 needs an R2 bucket binding named BUCKET');
    if (!env.EVENTS) throw new WorkerConfigError('BERTH_STORAGE=r2 needs a queue producer binding named EVENTS');
    storage = { kind: 'r2', bucket: env.BUCKET, events: env.EVENTS };
  } else {
    if (s.AZURE_BLOB_CONTAINER_URL === undefined) throw new WorkerConfigError('BERTH_STORAGE=azure-sas needs AZURE_BLOB_CONTAINER_URL (http(s) URL without query)');
    if (s.AZURE_BLOB_SAS === undefined) throw new WorkerConfigError('BERTH_STORAGE=azure-sas needs the AZURE_BLOB_SAS secret');
    storage = { kind: 'azure-sas', containerUrl: s.AZURE_BLOB_CONTAINER_URL, sas: s.AZURE_BLOB_SAS };
  }
  if (s.BERTH_METADATA_CODEC === 'zstd' && !zstdAvailable) throw new WorkerConfigError('BERTH_METADATA_CODEC=zstd: this runtime has no zstd (use gz)');
  return {
    storage,
    operatorTokenHash,
    publicUrl: s.BERTH_PUBLIC_URL ?? null,
    maxUploadBytes: s.BERTH_MAX_UPLOAD_BYTES,
    retentionSeconds: s.BERTH_RETENTION,
    tokenCacheSeconds: s.BERTH_TOKEN_CACHE_SECONDS,
    metadataCacheSeconds: s.BERTH_METADATA_CACHE_SECONDS,
    codec: s.BERTH_METADATA_CODEC,
    outbound: outboundSettings(s),
    rateLimit: rateLimitSettings(s),
    tenantQuotaBytes: s.BERTH_TENANT_QUOTA ?? null,
    warnings,
  };
}
