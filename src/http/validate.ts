/** Request bodies: parsed and validated with the same zod schemas the OpenAPI document shows. */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './env.js';
import { ProblemError } from './problem.js';

export function invalidRequest(detail: string, errors: unknown[] = []): ProblemError {
  return new ProblemError(400, 'invalid_request', detail, errors.length > 0 ? { errors } : {});
}

/** 400 `invalid_request` for a body that is not JSON or does not match (zod issues in `errors`). */
export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw invalidRequest('the body must be a JSON document');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
    throw invalidRequest('the body does not match the schema', errors);
  }
  return parsed.data;
}

/** A small text body (armored keys), refused above `limit` bytes with 413. */
export async function textBody(c: Context<AppEnv>, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) throw new ProblemError(413, 'body_too_large', `the body is larger than ${limit} bytes`);
  const text = await c.req.text();
  if (new TextEncoder().encode(text).length > limit) throw new ProblemError(413, 'body_too_large', `the body is larger than ${limit} bytes`);
  if (text.trim() === '') throw invalidRequest('the body is empty');
  return text;
}
