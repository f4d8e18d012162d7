/**
 * `berth serve` settings: the one settings schema (src/settings) read from the environment, CLI
 * flags winning. A bad value stops the server at start with the setting's name, never at the
 * first request; secrets are kept out of every message.
 */
import { availableParallelism } from 'node:os';
import type { Codec } from '../../core/platform.js';
import { loadSettings, SettingsError } from '../../settings/load.js';
import { outboundSettings, type OutboundSettings } from '../../settings/outbound.js';
import { rateLimitSettings } from '../../settings/limits.js';
import type { RateLimitConfig } from '../../http/rate-limit.js';

export { SettingsError as ConfigError } from '../../settings/load.js';

export type StorageConfig =
  | { kind: 'fs'; root: string }
  | { kind: 'azure-connection-string'; connectionString: string; container: string }
  | { kind: 'azure-account-url'; accountUrl: string; container: string };

export interface NodeConfig {
  /** SHA-256 of the operator credential (BERTH_ADMIN_TOKEN or BERTH_ADMIN_TOKEN_SHA256); null: none set. */
  operatorTokenHash: string | null;
  host: string;
  port: number;
  publicUrl: string | null;
  maxUploadBytes: number;
  retentionSeconds: number;
  codec: Codec;
  tokenCacheSeconds: number;
  metadataCacheSeconds: number;
  gcIntervalSeconds: number;
  /** How often the scheduler looks for mirrors due a run (BERTH_MIRROR_INTERVAL; 0 disables). */
  mirrorCheckSeconds: number;
  /** Server processes sharing the port (BERTH_WORKERS / --workers; `auto` = one per CPU). */
  workers: number;
  storage: StorageConfig;
  /** Egress policy (BERTH_EGRESS_ALLOW), upstream limits and timeouts, tenants mirrored at once. */
  outbound: OutboundSettings;
  /** Per-token rate limit (BERTH_RATE_LIMIT); null: off. */
  rateLimit: RateLimitConfig | null;
  /** Per-tenant storage quota in bytes (BERTH_TENANT_QUOTA); null: none. */
  tenantQuotaBytes: number | null;
  /** Deprecated names in use: logged once at start. */
  warnings: string[];
}

export interface ConfigOverrides {
  port?: number;
  host?: string;
  data?: string;
  workers?: string;
}

export function loadConfig(env: Record<string, string | undefined>, overrides: ConfigOverrides = {}): NodeConfig {
  // The --workers flag is validated like the variable, so a bad value names the same setting.
  const { values: s, operatorTokenHash, warnings } = loadSettings('node', env, {
    overrides: overrides.workers !== undefined ? { BERTH_WORKERS: overrides.workers } : {},
  });
  if (s.AZURE_STORAGE_CONNECTION_STRING !== undefined && s.BERTH_STORAGE_ACCOUNT_URL !== undefined) {
    throw new SettingsError('set AZURE_STORAGE_CONNECTION_STRING or BERTH_STORAGE_ACCOUNT_URL, not both');
  }
  const storage: StorageConfig = s.AZURE_STORAGE_CONNECTION_STRING !== undefined
    ? { kind: 'azure-connection-string', connectionString: s.AZURE_STORAGE_CONNECTION_STRING, container: s.BERTH_CONTAINER }
    : s.BERTH_STORAGE_ACCOUNT_URL !== undefined
      ? { kind: 'azure-account-url', accountUrl: s.BERTH_STORAGE_ACCOUNT_URL, container: s.BERTH_CONTAINER }
      : { kind: 'fs', root: overrides.data ?? s.BERTH_DATA };
  return {
    operatorTokenHash,
    host: overrides.host ?? s.BERTH_HOST,
    port: overrides.port ?? s.BERTH_PORT,
    publicUrl: s.BERTH_PUBLIC_URL ?? null,
    maxUploadBytes: s.BERTH_MAX_UPLOAD_BYTES,
    retentionSeconds: s.BERTH_RETENTION,
    codec: s.BERTH_METADATA_CODEC,
    tokenCacheSeconds: s.BERTH_TOKEN_CACHE_SECONDS,
    metadataCacheSeconds: s.BERTH_METADATA_CACHE_SECONDS,
    gcIntervalSeconds: s.BERTH_GC_INTERVAL,
    mirrorCheckSeconds: s.BERTH_MIRROR_INTERVAL,
    workers: s.BERTH_WORKERS === 'auto' ? availableParallelism() : s.BERTH_WORKERS,
    storage,
    outbound: outboundSettings(s),
    rateLimit: rateLimitSettings(s),
    tenantQuotaBytes: s.BERTH_TENANT_QUOTA ?? null,
    warnings,
  };
}
