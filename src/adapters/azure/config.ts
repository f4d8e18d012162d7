/**
 * Azure Functions app settings, validated with zod when the app starts (the `appStart` hook in
 * functions/index.ts) so a missing or malformed setting is reported by name before any request
 * is served. Secrets never appear in an error: the connection string is never echoed, and the
 * operator credential is not a setting at all — only its SHA-256 (BERTH_ADMIN_TOKEN_SHA256).
 *
 * Storage is reached either by connection string (`AzureWebJobsStorage`: Azurite, or keys) or
 * by managed identity (`BERTH_STORAGE_ACCOUNT_URL`, DefaultAzureCredential). The queue trigger
 * always reads its connection from `AzureWebJobsStorage` (identity-based in Azure through
 * `AzureWebJobsStorage__accountName` + `__credential`), so blob, queue and trigger agree on one
 * account.
 */
import { z } from 'zod';
import { ConfigError, parseDuration, parseSize } from '../node/config.js';

export { ConfigError };

/** App setting the queue trigger takes its storage connection from. */
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';
/** The two ways to reach storage; exactly one must be set. */
export const STORAGE_ALTERNATIVES = ['AzureWebJobsStorage', 'BERTH_STORAGE_ACCOUNT_URL'] as const;

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
  /** Six-field NCRONTAB of the `mirror` timer (functions/mirror.ts). */
  mirrorSchedule: string;
}

/** Every five minutes, at second 30 (off the minute, away from GC at minute 17 second 0). */
export const DEFAULT_MIRROR_SCHEDULE = '30 */5 * * * *';

const size = z.string().transform((s, ctx) => {
  const n = parseSize(s);
  if (n === null) ctx.addIssue({ code: 'custom', message: 'expected a byte count such as 104857600 or 100M' });
  return n ?? 0;
});
const duration = z.string().transform((s, ctx) => {
  const n = parseDuration(s);
  if (n === null) ctx.addIssue({ code: 'custom', message: 'expected a duration such as 3600, 12h or 3d' });
  return n ?? 0;
});
const httpsUrl = z.url({ protocol: /^https?$/ });
// Six fields (second first), as the timer trigger wants; the TimeSpan form only works on
// App Service plans, not on Flex Consumption, so it is refused here.
const ncrontab = z.string().trim().regex(/^(?:[0-9A-Za-z*,/-]+\s+){5}[0-9A-Za-z*,/-]+$/, 'expected a six-field NCRONTAB expression such as "30 */5 * * * *"');

/** The settings Berth reads. Required ones carry no default and are not optional. */
export const azureSettingsSchema = z.object({
  AzureWebJobsStorage: z.string().trim().min(1).optional(),
  BERTH_STORAGE_ACCOUNT_URL: httpsUrl.optional(),
  /** Only needed when the queue URL cannot be derived from the blob URL (`.blob.` → `.queue.`). */
  BERTH_QUEUE_SERVICE_URL: httpsUrl.optional(),
  BERTH_CONTAINER: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, '3-63 lowercase letters, digits and single hyphens'),
  BERTH_QUEUE: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, '3-63 lowercase letters, digits and single hyphens'),
  BERTH_ADMIN_TOKEN_SHA256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64-hex-digit SHA-256 of the operator token (never the token)'),
  BERTH_PUBLIC_URL: httpsUrl.optional(),
  // The Functions front end caps HTTP request bodies (100 MB documented), so the default stays below it.
  BERTH_MAX_UPLOAD_BYTES: size.default(100 * 1024 * 1024),
  BERTH_RETENTION: duration.default(3 * 86400),
  /** When the mirror timer checks for due mirrors (each mirror's own interval decides whether it runs). */
  BERTH_MIRROR_SCHEDULE: ncrontab.default(DEFAULT_MIRROR_SCHEDULE),
});

export type AzureSettingName = keyof typeof azureSettingsSchema.shape;
const SECRET = new Set<string>(['AzureWebJobsStorage']);

/** Names of the settings that must be present (derived from the schema, not listed twice). */
export function requiredSettings(): AzureSettingName[] {
  return (Object.keys(azureSettingsSchema.shape) as AzureSettingName[]).filter((k) => !azureSettingsSchema.shape[k].safeParse(undefined).success);
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
  const input: Record<string, string> = {};
  for (const key of Object.keys(azureSettingsSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = azureSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      const shown = SECRET.has(name) || input[name] === undefined ? '' : ` (got ${JSON.stringify(input[name])})`;
      return `${name}: ${input[name] === undefined ? 'missing app setting' : i.message}${shown}`;
    });
    throw new ConfigError(`invalid app settings:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const setStorage = STORAGE_ALTERNATIVES.filter((k) => e[k] !== undefined);
  if (setStorage.length !== 1) {
    throw new ConfigError(`set exactly one of ${STORAGE_ALTERNATIVES.join(' or ')} (found ${setStorage.length === 0 ? 'neither' : 'both'})`);
  }
  let storage: AzureStorageConfig;
  if (e.AzureWebJobsStorage !== undefined) {
    storage = { kind: 'connection-string', connectionString: e.AzureWebJobsStorage };
  } else {
    const blobServiceUrl = (e.BERTH_STORAGE_ACCOUNT_URL as string).replace(/\/+$/, '');
    const queueServiceUrl = e.BERTH_QUEUE_SERVICE_URL?.replace(/\/+$/, '') ?? queueUrlFor(blobServiceUrl);
    if (queueServiceUrl === null) {
      throw new ConfigError('BERTH_QUEUE_SERVICE_URL: missing app setting (cannot derive the queue endpoint from BERTH_STORAGE_ACCOUNT_URL)');
    }
    storage = { kind: 'managed-identity', blobServiceUrl, queueServiceUrl };
  }
  return {
    storage,
    container: e.BERTH_CONTAINER,
    queue: e.BERTH_QUEUE,
    operatorTokenHash: e.BERTH_ADMIN_TOKEN_SHA256.toLowerCase(),
    publicUrl: e.BERTH_PUBLIC_URL ? e.BERTH_PUBLIC_URL.replace(/\/+$/, '') : null,
    maxUploadBytes: e.BERTH_MAX_UPLOAD_BYTES,
    retentionSeconds: e.BERTH_RETENTION,
    mirrorSchedule: e.BERTH_MIRROR_SCHEDULE,
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
  const r = azureSettingsSchema.shape.BERTH_MIRROR_SCHEDULE.safeParse(raw === '' ? undefined : raw);
  if (!r.success) throw new ConfigError(`invalid app settings:\n  BERTH_MIRROR_SCHEDULE: ${r.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(raw)})`);
  return r.data;
}
