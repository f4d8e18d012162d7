/**
 * `berth serve` settings from the environment (and CLI flags, which win). Validated with zod so a
 * bad value stops the server at start with the setting's name, never at the first request.
 * Secrets (BERTH_ADMIN_TOKEN, the connection string) are kept out of every error message.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

export type StorageConfig =
  | { kind: 'fs'; root: string }
  | { kind: 'azure-connection-string'; connectionString: string; container: string }
  | { kind: 'azure-account-url'; accountUrl: string; container: string };

export interface NodeConfig {
  /** The operator credential itself (hashed before it reaches AppDeps). */
  adminToken: string | null;
  host: string;
  port: number;
  publicUrl: string | null;
  maxUploadBytes: number;
  retentionSeconds: number;
  gcIntervalSeconds: number;
  /** How often the scheduler looks for mirrors due a run (BERTH_MIRROR_INTERVAL; 0 disables). */
  mirrorCheckSeconds: number;
  /** Server processes sharing the port (BERTH_WORKERS / --workers; `auto` = one per CPU). */
  workers: number;
  storage: StorageConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'invalid_config';
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `1048576`, `512M`, `2G` (binary units). */
export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** `3600`, `90s`, `30m`, `12h`, `3d` → seconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * (DURATION_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

const optional = z.string().trim().min(1).optional();
const size = z.string().transform((s, ctx) => {
  const n = parseSize(s);
  if (n === null) ctx.addIssue({ code: 'custom', message: 'expected a byte count such as 1073741824, 512M or 2G' });
  return n ?? 0;
});
const duration = z.string().transform((s, ctx) => {
  const n = parseDuration(s);
  if (n === null) ctx.addIssue({ code: 'custom', message: 'expected a duration such as 3600, 30m, 12h or 3d' });
  return n ?? 0;
});

const schema = z.object({
  BERTH_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  BERTH_DATA: z.string().min(1).default('./.berth/data'),
  BERTH_HOST: z.string().min(1).default('127.0.0.1'),
  BERTH_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  BERTH_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  BERTH_MAX_UPLOAD_BYTES: size.default(1024 ** 3),
  BERTH_RETENTION: duration.default(3 * 86400),
  BERTH_GC_INTERVAL: duration.default(3600),
  BERTH_MIRROR_INTERVAL: z.union([z.literal('0').transform(() => 0), duration]).default(300),
  BERTH_WORKERS: z
    .union([z.literal('auto').transform(() => availableParallelism()), z.coerce.number().int().min(1).max(256)], {
      error: "expected 'auto' or a number of processes from 1 to 256",
    })
    .default(1),
  AZURE_STORAGE_CONNECTION_STRING: optional,
  AZURE_STORAGE_ACCOUNT_URL: z.url({ protocol: /^https?$/ }).optional(),
  BERTH_AZURE_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, '3-63 lowercase letters, digits and single hyphens')
    .default('berth'),
});

/** Names whose values must never be echoed back, even when invalid. */
const SECRET = new Set(['BERTH_ADMIN_TOKEN', 'AZURE_STORAGE_CONNECTION_STRING']);

export interface ConfigOverrides {
  port?: number;
  host?: string;
  data?: string;
  workers?: string;
}

export function loadConfig(env: Record<string, string | undefined>, overrides: ConfigOverrides = {}): NodeConfig {
  // Empty variables mean "unset" (a blank line in an env file should not fail validation).
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  // The flag is validated like the variable, so a bad value names the same setting.
  if (overrides.workers !== undefined) input['BERTH_WORKERS'] = overrides.workers;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      const shown = SECRET.has(name) || input[name] === undefined ? '' : ` (got ${JSON.stringify(input[name])})`;
      return `${name}: ${i.message}${shown}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.AZURE_STORAGE_CONNECTION_STRING !== undefined && e.AZURE_STORAGE_ACCOUNT_URL !== undefined) {
    throw new ConfigError('set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL, not both');
  }
  const storage: StorageConfig = e.AZURE_STORAGE_CONNECTION_STRING !== undefined
    ? { kind: 'azure-connection-string', connectionString: e.AZURE_STORAGE_CONNECTION_STRING, container: e.BERTH_AZURE_CONTAINER }
    : e.AZURE_STORAGE_ACCOUNT_URL !== undefined
      ? { kind: 'azure-account-url', accountUrl: e.AZURE_STORAGE_ACCOUNT_URL, container: e.BERTH_AZURE_CONTAINER }
      : { kind: 'fs', root: overrides.data ?? e.BERTH_DATA };
  return {
    adminToken: e.BERTH_ADMIN_TOKEN ?? null,
    host: overrides.host ?? e.BERTH_HOST,
    port: overrides.port ?? e.BERTH_PORT,
    publicUrl: e.BERTH_PUBLIC_URL ? e.BERTH_PUBLIC_URL.replace(/\/+$/, '') : null,
    maxUploadBytes: e.BERTH_MAX_UPLOAD_BYTES,
    retentionSeconds: e.BERTH_RETENTION,
    gcIntervalSeconds: e.BERTH_GC_INTERVAL,
    mirrorCheckSeconds: e.BERTH_MIRROR_INTERVAL,
    workers: e.BERTH_WORKERS,
    storage,
  };
}
