/**
 * The advisory upload form (JSON), which XML uploads are read into as well, so both pass the same
 * checks (docs/advisories.md). The output is the core's `Advisory`.
 */
import { z } from 'zod';
import { ADVISORY_TYPES, normalDate, type Advisory } from '../core/advisory/model.js';

const line = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\n\r]*$/, 'one line');
const text = (max: number) => z.string().trim().min(1).max(max);
const date = z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
  const d = normalDate(String(v));
  if (d === null) {
    ctx.addIssue({ code: 'custom', message: 'a date: YYYY-MM-DD HH:MM:SS, YYYY-MM-DD, ISO 8601 or Unix seconds' });
    return z.NEVER;
  }
  return d;
});
const flag = z.union([z.boolean(), z.string()]).optional().transform((v) => (typeof v === 'string' ? /^[Tt1]/.test(v) : v === true) || undefined);

export const ADVISORY_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

export const advisoryPackageSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._+^~-]{1,255}$/, 'an rpm package name'),
  epoch: z.union([z.string().regex(/^\d{1,10}$/), z.number().int().nonnegative().max(2 ** 32 - 1)]).optional().transform((e) => String(Number(e ?? 0))),
  version: z.string().regex(/^[A-Za-z0-9._+~^]{1,255}$/, 'an rpm version'),
  release: z.string().regex(/^[A-Za-z0-9._+~^]{1,255}$/, 'an rpm release'),
  arch: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'an rpm arch'),
  src: line(1024).optional(),
  filename: z.string().regex(/^[^/\s<>&"]{1,255}\.rpm$/, 'a package file name').optional(),
  sum: z.object({ type: z.enum(['sha256', 'sha512', 'sha384', 'sha224', 'sha1', 'sha', 'md5']), value: z.string().regex(/^[0-9a-fA-F]{32,128}$/) }).optional(),
  rebootSuggested: flag,
  restartSuggested: flag,
  reloginSuggested: flag,
});

export const advisorySchema = z.object({
  id: z.string().regex(ADVISORY_ID, '1-128 chars of [A-Za-z0-9._:+-], starting with a letter or digit'),
  type: z.enum(ADVISORY_TYPES),
  title: line(1000),
  status: z.string().regex(/^[a-z]{1,32}$/).default('final'),
  version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/).default('1'),
  from: line(255).optional(),
  severity: z.string().regex(/^[A-Za-z0-9. _-]{1,32}$/, 'a severity: Critical, Important, Moderate, Low, or a number').optional(),
  release: line(255).optional(),
  rights: text(4096).optional(),
  pushcount: z.string().regex(/^\d{1,9}$/).optional(),
  summary: text(8192).optional(),
  description: text(65536).optional(),
  solution: text(8192).optional(),
  message: text(8192).optional(),
  issued: date,
  updated: date.optional(),
  references: z.array(z.object({
    href: line(2048),
    id: line(255).optional(),
    type: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(),
    title: line(1000).optional(),
  })).max(1000).default([]),
  collection: z.object({ short: line(255).optional(), name: line(1000).optional() }).default({}),
  packages: z.array(advisoryPackageSchema).min(1).max(10_000),
}).strict();

/** A JSON upload: one advisory, or `{advisories: [...]}`. */
export const advisoryListUploadSchema = z.object({ advisories: z.array(advisorySchema).min(1).max(1000) }).strict();
export const advisoryUploadSchema = z.union([advisorySchema, advisoryListUploadSchema]);

/** Drops keys zod left undefined, so stored advisories compare by their fields alone. */
export function cleanAdvisory(a: z.output<typeof advisorySchema>): Advisory {
  return JSON.parse(JSON.stringify(a)) as Advisory;
}

export const advisorySummarySchema = z.object({
  id: z.string(), type: z.enum(ADVISORY_TYPES), title: z.string(), severity: z.string().optional(), issued: z.string(), updated: z.string().optional(),
  packages: z.array(z.string()).describe('NEVRAs of the fixed packages'),
});
export const advisoryListSchema = z.object({ advisories: z.array(advisorySummarySchema) });
export const advisoryChangeSchema = z.object({
  results: z.array(z.object({ id: z.string(), outcome: z.enum(['created', 'unchanged', 'replaced', 'deleted']) })),
  revision: z.number().int().describe('the index revision whose metadata carries the change'),
});
