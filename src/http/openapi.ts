/**
 * The OpenAPI document, generated from the same zod schemas the routes validate with. Each route
 * module describes its API routes with `RouteDoc`s; `openApiDocument` turns them into
 * /api/v1/openapi.json, so the document cannot drift from what the code accepts.
 */
import { z } from 'zod';
import type { Scope } from '../auth/principal.js';

export interface RouteDoc {
  method: 'get' | 'put' | 'post' | 'delete' | 'head' | 'patch';
  /** Stable operation name; default: derived from the method and the path (`operationIdOf`). */
  operationId?: string;
  /** OpenAPI path template, e.g. `/api/v1/repos/{tenant}/{repo}/packages`. */
  path: string;
  summary: string;
  /** Scope needed (`operator` for operator-only routes, `public` for none). */
  access: Scope | 'operator' | 'public';
  /** JSON request body schema, `binary` for a raw upload, or several forms (JSON and text media types such as XML). */
  body?: z.ZodType | 'binary' | { json?: z.ZodType; text: string[] };
  query?: z.ZodObject;
  /** Success responses: status → JSON schema (or `binary`, `text` for text/plain, `html` for a browse page). */
  responses: Record<number, z.ZodType | 'binary' | 'text' | 'html' | null>;
  /** Problem codes this route can answer with, by status. */
  problems?: Record<number, string[]>;
}

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
  },
} as const;

function schema(s: z.ZodType | 'binary' | 'text' | 'html'): Record<string, unknown> {
  if (s === 'binary') return { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } };
  if (s === 'text') return { 'text/plain': { schema: { type: 'string' } } };
  if (s === 'html') return { 'text/html': { schema: { type: 'string' } } };
  return { 'application/json': { schema: z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) } };
}

function bodyContent(b: NonNullable<RouteDoc['body']>): Record<string, unknown> {
  if (typeof b === 'object' && 'text' in b && Array.isArray(b.text)) {
    return { ...(b.json ? schema(b.json) : {}), ...Object.fromEntries(b.text.map((t) => [t, { schema: { type: 'string' } }])) };
  }
  return schema(b as z.ZodType | 'binary');
}

/** `get /api/v1/repos/{tenant}/{repo}/packages` → `getReposByTenantByRepoPackages`. */
export function operationIdOf(method: string, path: string): string {
  const words = path.split('/').filter((p) => p !== '' && p !== 'api' && p !== 'v1').map((p) => {
    const param = /^\{(\w+)\}$/.exec(p);
    const word = param ? `By-${param[1]!}` : p;
    return word.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase());
  });
  return `${method}${words.join('')}`;
}

export interface OpenApiOptions {
  /** Base URLs the API is served at (default: `/`, the host the document came from). */
  servers?: readonly string[];
}

export function openApiDocument(routes: readonly RouteDoc[], version: string, options: OpenApiOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = r.query
      ? Object.entries(r.query.shape).map(([name, s]) => ({
          name,
          in: 'query',
          required: !(s as z.ZodType).safeParse(undefined).success,
          schema: z.toJSONSchema(s as z.ZodType, { io: 'input', unrepresentable: 'any' }),
        }))
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, s] of Object.entries(r.responses)) {
      responses[status] = { description: `HTTP ${status}`, ...(s ? { content: schema(s) } : {}) };
    }
    for (const [status, codes] of Object.entries(r.problems ?? {})) {
      responses[status] = {
        description: `Problem: ${codes.join(', ')}`,
        content: { 'application/problem+json': { schema: problemSchema } },
      };
    }
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId ?? operationIdOf(r.method, r.path),
      summary: r.summary,
      'x-berth-access': r.access,
      ...(r.access === 'public' ? {} : { security: [{ bearer: [] }, { basic: [] }] }),
      parameters: [...params, ...query],
      ...(r.body ? { requestBody: { required: true, content: bodyContent(r.body) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Berth API', version },
    servers: (options.servers ?? ['/']).map((url) => ({ url })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: { type: 'http', scheme: 'basic', description: 'Token as the password (dnf/tdnf)' },
      },
    },
    paths,
  };
}
