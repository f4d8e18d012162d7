/** Request and response shapes of the admin API (validation and the OpenAPI document). */
import { z } from 'zod';

export const scopeSchema = z.enum(['read', 'publish', 'admin']);

export const tenantCreateSchema = z.object({ name: z.string().min(1).max(63) });
export const tenantSchema = z.object({ name: z.string(), createdAt: z.string() });

export const repoCreateSchema = z.object({
  name: z.string().min(1).max(63),
  public: z.boolean().default(false),
  allowUnsigned: z.boolean().default(false),
  description: z.string().max(500).optional(),
});
export const repoSchema = z.object({
  tenant: z.string(),
  name: z.string(),
  public: z.boolean(),
  allowUnsigned: z.boolean(),
  description: z.string().optional(),
  createdAt: z.string(),
  metadataKey: z.object({ fingerprint: z.string(), algorithm: z.string() }),
});
export const repoListSchema = z.object({ repos: z.array(repoSchema) });

export const keySchema = z.object({
  fingerprint: z.string().describe('Primary key fingerprint, uppercase hex'),
  keyId: z.string(),
  algorithm: z.string(),
  userIds: z.array(z.string()),
  created: z.string(),
  expires: z.string().nullable(),
  scope: z.enum(['tenant', 'repo']),
});
export const keyListSchema = z.object({ keys: z.array(keySchema) });

/** `30d`, `12h`, `90m`, `3600s`. */
export const DURATION = /^([1-9][0-9]{0,9})([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** At most ten years: a longer-lived secret is a mistake. */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 366 * 86400;

export function durationSeconds(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  const seconds = Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  return seconds <= MAX_TOKEN_LIFETIME_SECONDS ? seconds : null;
}

export const tokenCreateSchema = z.object({
  scopes: z.array(scopeSchema).min(1),
  repos: z.array(z.string().min(1).max(63)).min(1).nullable().optional()
    .describe('Limit the token to these repos; absent or null = every repo of the tenant'),
  expiresIn: z.string()
    .refine((s) => durationSeconds(s) !== null, { message: 'a duration like 30d, 12h, 90m or 3600s, at most 10 years' })
    .optional(),
  description: z.string().max(200).optional(),
});

const tokenFields = {
  id: z.string(),
  tenant: z.string(),
  scopes: z.array(scopeSchema),
  repos: z.array(z.string()).nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  description: z.string().optional(),
  lastUsedAt: z.string().nullable().describe('a use of the token, to the hour (null: never used)'),
};
export const tokenSchema = z.object(tokenFields);
export const tokenCreatedSchema = z.object({ ...tokenFields, token: z.string().describe('The secret; shown only once') });
export const tokenListSchema = z.object({ tokens: z.array(tokenSchema) });

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
  prev: z.string(),
  hash: z.string(),
});
export const auditSchema = z.object({ entries: z.array(auditEntrySchema), chainValid: z.boolean(), next: z.number().int().nullable() });
export const auditQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});
