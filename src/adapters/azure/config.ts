/**
 * Azure Functions settings: the one settings schema (src/settings) read from the app settings,
 * validated when the app starts (the `appStart` hook in functions/index.ts) so a missing or
 * malformed setting is reported by name before any request is served. Secrets never appear in
 * an error. The operator credential may be given as BERTH_ADMIN_TOKEN (hashed at once, never
 * kept) or, as the template does, as its SHA-256 (BERTH_ADMIN_TOKEN_SHA256).
 *
 * Storage is reached either by connection string (`AzureWebJobsStorage`: Azurite, or keys) or
 * by managed identity (`BERTH_STORAGE_ACCOUNT_URL`, DefaultAzureCredential). The queue trigger
 * always reads its connection from `AzureWebJobsStorage` (identity-based in Azure through
 * `AzureWebJobsStorage__accountName` + `__credential`), so blob, queue and trigger agree on one
 * account.
 */
import type { Codec } from '../../core/platform.js';
import { loadSettings, SettingsError } from '../../settings/load.js';
import { outboundSettings, type OutboundSettings } from '../../settings/outbound.js';
import { rateLimitSettings } from '../../settings/limits.js';
import type { RateLimitConfig } from '../../http/rate-limit.js';
import { SETTING_DOCS, settingsOf, settingsSchema, type SettingName } from '../../settings/schema.js';

export { SettingsError as ConfigError } from '../../settings/load.js';
export { DEFAULT_MIRROR_SCHEDULE } from '../../settings/schema.js';

/** App setting the queue trigger takes its storage connection from. */
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';
/** The two ways to reach storage; exactly one must be set. */
export const STORAGE_ALTERNATIVES = ['AzureWebJobsStorage', 'BERTH_STORAGE_ACCOUNT_URL'] as const;
/** The two ways to give the operator credential; exactly one must be set. */
export const OPERATOR_ALTERNATIVES = ['BERTH_ADMIN_TOKEN', 'BERTH_ADMIN_TOKEN_SHA256'] as const;

export type AzureStorageConfig =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'managed-identity'; blobServiceUrl: string; queueServiceUrl: string };

export interface AzureConfig {
  storage: AzureStorageConfig;
  container: string;
  queue: string;
  operatorTokenHash: string;
  publicUrl: string | null;
  maxUploadBytes: number;
  retentionSeconds: number;
  codec: Codec;
  /** Six-field NCRONTAB of the `mirror` timer (functions/mirror.ts). */
  mirrorSchedule: string;
  /** Egress policy (BERTH_EGRESS_ALLOW), upstream limits and timeouts, tenants mirrored at once. */
  outbound: OutboundSettings;
  /** Per-token rate limit (BERTH_RATE_LIMIT); null: off. */
  rateLimit: RateLimitConfig | null;
  /** Per-tenant storage quota in bytes (BERTH_TENANT_QUOTA); null: none. */
  tenantQuotaBytes: number | null;
  /** Deprecated names in use: logged once when the runtime is built. */
  warnings: string[];
}

/** The settings Functions reads (from the one schema). */
export function functionsSettings(): SettingName[] {
  return settingsOf('functions');
}

/** Names of the settings that must always be present (from the schema, not listed twice). */
export function requiredSettings(): SettingName[] {
  return functionsSettings().filter((n) => SETTING_DOCS[n].required?.includes('functions'));
}

/** `https://acct.blob.core.windows.net` → `https://acct.queue.core.windows.net`, or null. */
export function queueUrlFor(blobServiceUrl: string): string | null {
  const u = new URL(blobServiceUrl);
  const labels = u.hostname.split('.');
  if (labels[1] !== 'blob') return null;
  labels[1] = 'queue';
  u.hostname = labels.join('.');
  return u.toString().replace(/\/+$/, '');
}

export function loadAzureConfig(env: Record<string, string | undefined>): AzureConfig {
  const { values: e, operatorTokenHash, warnings } = loadSettings('functions', env, { label: 'invalid app settings' });
  const setStorage = STORAGE_ALTERNATIVES.filter((k) => e[k] !== undefined);
  if (setStorage.length !== 1) {
    throw new SettingsError(`set exactly one of ${STORAGE_ALTERNATIVES.join(' or ')} (found ${setStorage.length === 0 ? 'neither' : 'both'})`);
  }
  if (operatorTokenHash === null) {
    throw new SettingsError(`invalid app settings:\n  ${OPERATOR_ALTERNATIVES.join(' or ')}: missing app setting (the operator credential, or its SHA-256)`);
  }
  let storage: AzureStorageConfig;
  if (e.AzureWebJobsStorage !== undefined) {
    storage = { kind: 'connection-string', connectionString: e.AzureWebJobsStorage };
  } else {
    const blobServiceUrl = e.BERTH_STORAGE_ACCOUNT_URL as string;
    const queueServiceUrl = e.BERTH_QUEUE_SERVICE_URL ?? queueUrlFor(blobServiceUrl);
    if (queueServiceUrl === null) {
      throw new SettingsError('BERTH_QUEUE_SERVICE_URL: missing app setting (cannot derive the queue endpoint from BERTH_STORAGE_ACCOUNT_URL)');
    }
    storage = { kind: 'managed-identity', blobServiceUrl, queueServiceUrl };
  }
  return {
    storage,
    container: e.BERTH_CONTAINER,
    queue: e.BERTH_QUEUE as string, // required on functions: loadSettings refused its absence
    operatorTokenHash,
    publicUrl: e.BERTH_PUBLIC_URL ?? null,
    maxUploadBytes: e.BERTH_MAX_UPLOAD_BYTES,
    retentionSeconds: e.BERTH_RETENTION,
    codec: e.BERTH_METADATA_CODEC,
    mirrorSchedule: e.BERTH_MIRROR_SCHEDULE,
    outbound: outboundSettings(e),
    rateLimit: rateLimitSettings(e),
    tenantQuotaBytes: e.BERTH_TENANT_QUOTA ?? null,
    warnings,
  };
}

/**
 * The mirror timer's schedule, read when functions/mirror.ts registers the timer (the host
 * indexes functions in the worker process, where app settings are environment variables). Read
 * on its own rather than through loadAzureConfig so that registering never needs the storage
 * settings; a malformed value fails the registration, naming the setting.
 */
export function mirrorScheduleFrom(env: Record<string, string | undefined>): string {
  const raw = env['BERTH_MIRROR_SCHEDULE'];
  const r = settingsSchema.shape.BERTH_MIRROR_SCHEDULE.safeParse(raw === '' ? undefined : raw);
  if (!r.success) throw new SettingsError(`invalid app settings:\n  BERTH_MIRROR_SCHEDULE: ${r.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(raw)})`);
  return r.data;
}
