/** Request bodies: parsed and validated with the same zod schemas the OpenAPI document shows. */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './env.js';
import { ProblemError } from './problem.js';
import { clientBody } from './request-body.js';

export function invalidRequest(detail: string, errors: unknown[] = []): ProblemError {
  return new ProblemError(400, 'invalid_request', detail, errors.length > 0 ? { errors } : {});
}

/** JSON bodies of the admin API are a few hundred bytes. */
export const MAX_JSON_BYTES = 64 * 1024;

function tooLarge(limit: number): ProblemError {
  return new ProblemError(413, 'body_too_large', `the body is larger than ${limit} bytes`);
}

/**
 * The body as UTF-8 text, read incrementally and abandoned as soon as it passes `limit` (a
 * chunked body has no Content-Length to refuse up front).
 */
export async function readBodyText(c: Context<AppEnv>, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const reader = clientBody(c.req.raw).getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge(limit);
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    throw invalidRequest('the body is not UTF-8 text');
  }
}

/** 400 `invalid_request` for a body that is not JSON or does not match (zod issues in `errors`). */
export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const text = await readBodyText(c, MAX_JSON_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
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
  const text = await readBodyText(c, limit);
  if (text.trim() === '') throw invalidRequest('the body is empty');
  return text;
}
