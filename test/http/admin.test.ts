import { beforeEach, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/http/openapi.js';
import { adminRouteDocs } from '../../src/http/routes/admin.js';
import { durationSeconds } from '../../src/http/routes/admin-schemas.js';
import { InvalidNameError } from '../../src/storage/keys.js';
import { publisherKey } from '../repo/pgp-fixtures.js';
import { allBlobText, basic, bearer, OPERATOR_TOKEN, testService, type TestService } from './admin-app.js';

const op = bearer(OPERATOR_TOKEN);
const JSON_HEADERS = { 'content-type': 'application/json' };

async function call(svc: TestService, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await svc.app.request(path, {
    method,
    headers: { ...headers, ...(body !== undefined && typeof body !== 'string' ? JSON_HEADERS : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { res, status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

describe('admin API', () => {
  let svc: TestService;
  beforeEach(async () => {
    svc = await testService({
      extra: (app) => {
        app.get('/boom', () => {
          throw new Error('secret internals: /var/lib/berth password=hunter2');
        });
        app.get('/bad-name', () => {
          throw new InvalidNameError('repo', 'Bad', 'lowercase');
        });
      },
    });
    expect((await call(svc, 'POST', '/api/v1/tenants', op, { name: 'acme' })).status).toBe(201);
  });

  it('token lifecycle: create (secret once), use, list without secrets, revoke at once', async () => {
    // a token for a repo that does not exist (yet) is refused: it would start working the day one is made
    const early = await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['publish'], repos: ['stable'] });
    expect([early.status, early.body.code]).toEqual([404, 'not_found']);
    expect(early.body.detail).toBe('repo acme/stable not found');
    await call(svc, 'POST', '/api/v1/tenants/acme/repos', op, { name: 'stable' });
    const created = await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['publish'], repos: ['stable'], expiresIn: '30d', description: 'ci' });
    expect(created.status).toBe(201);
    expect(created.res.headers.get('cache-control')).toBe('no-store');
    const { id, token, expiresAt, createdAt } = created.body as { id: string; token: string; expiresAt: string; createdAt: string };
    expect(created.body).toMatchObject({ tenant: 'acme', scopes: ['publish'], repos: ['stable'], description: 'ci' });
    expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(30 * 86400_000);
    expect(token.startsWith(`berth_${id}_`)).toBe(true);

    expect((await call(svc, 'GET', '/api/v1/repos/acme/stable', bearer(token))).status).toBe(200);
    expect((await call(svc, 'GET', '/api/v1/repos/acme/stable', basic(token))).status).toBe(200);

    const listed = await call(svc, 'GET', '/api/v1/tenants/acme/tokens', op);
    expect(JSON.stringify(listed.body)).not.toContain(token.split('_').slice(2).join('_'));
    expect((listed.body.tokens as { id: string }[]).map((t) => t.id)).toEqual([id]);
    for (const text of (await allBlobText(svc.store)).values()) expect(text).not.toContain(token);

    expect((await call(svc, 'DELETE', `/api/v1/tokens/${id}`, op)).status).toBe(204);
    const after = await call(svc, 'GET', '/api/v1/repos/acme/stable', bearer(token));
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_token');
    expect(after.res.headers.get('www-authenticate')).toBe('Basic realm="berth"');
    expect((await call(svc, 'DELETE', `/api/v1/tokens/${id}`, op)).status).toBe(404);
  });

  it('expired tokens are refused with 401 invalid_token', async () => {
    const { body } = await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['read'], expiresIn: '90m' });
    const token = body.token as string;
    expect((await call(svc, 'GET', '/api/v1/tenants/acme', bearer(token))).status).toBe(200);
    svc.now.offsetMs = 89 * 60_000;
    expect((await call(svc, 'GET', '/api/v1/tenants/acme', bearer(token))).status).toBe(200);
    svc.now.offsetMs = 90 * 60_000;
    const res = await call(svc, 'GET', '/api/v1/tenants/acme', bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_token');
  });

  it('a token cannot mint a stronger or wider token', async () => {
    for (const name of ['x', 'y']) await call(svc, 'POST', '/api/v1/tenants/acme/repos', op, { name });
    const limited = (await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['admin'], repos: ['x'] })).body.token as string;
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/tokens', bearer(limited), { scopes: ['read'] })).status).toBe(403);
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/tokens', bearer(limited), { scopes: ['read'], repos: ['x', 'y'] })).status).toBe(403);
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/tokens', bearer(limited), { scopes: ['publish'], repos: ['x'] })).status).toBe(201);
  });

  it('validates bodies: 400 invalid_request with zod issues, 400 invalid_name', async () => {
    const bad = await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['root'], expiresIn: '3 weeks' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['expiresIn', 'scopes.0']);
    expect((await call(svc, 'POST', '/api/v1/tenants', op, '{not json')).body.code).toBe('invalid_request');
    const name = await call(svc, 'POST', '/api/v1/tenants', op, { name: 'Not_Valid' });
    expect(name.status).toBe(400);
    expect(name.body.code).toBe('invalid_name');
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['read'], repos: ['UP'] })).body.code).toBe('invalid_name');
    expect((await call(svc, 'POST', '/api/v1/tenants', op, { name: 'acme' })).body.code).toBe('tenant_exists');
  });

  it('parses durations', () => {
    expect(durationSeconds('30d')).toBe(30 * 86400);
    expect(durationSeconds('12h')).toBe(12 * 3600);
    expect(durationSeconds('90m')).toBe(5400);
    expect(durationSeconds('3600s')).toBe(3600);
    for (const bad of ['0d', '1w', '-1h', '1.5h', 'h', '', '99999d']) expect(durationSeconds(bad), bad).toBeNull();
  });

  it('repos and trusted keys through the API, each change audited in a valid chain', async () => {
    const repo = await call(svc, 'POST', '/api/v1/tenants/acme/repos', op, { name: 'stable', public: true });
    expect(repo.status).toBe(201);
    expect(repo.body).toMatchObject({ tenant: 'acme', name: 'stable', public: true, allowUnsigned: false, metadataKey: { algorithm: 'RSA-3072' } });
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/repos', op, { name: 'stable' })).body.code).toBe('repo_exists');

    const key = await publisherKey('Release');
    const added = await call(svc, 'POST', '/api/v1/repos/acme/stable/keys', op, key.publicArmored);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ fingerprint: key.fingerprint, scope: 'repo' });
    const secret = await call(svc, 'POST', '/api/v1/tenants/acme/keys', op, key.privateArmored);
    expect(secret.status).toBe(422);
    expect(secret.body).toMatchObject({ code: 'invalid_key', reason: 'secret_key' });
    const listed = await call(svc, 'GET', '/api/v1/repos/acme/stable/keys', {});
    expect((listed.body.keys as { fingerprint: string }[]).map((k) => k.fingerprint)).toEqual([key.fingerprint]);
    expect((await call(svc, 'DELETE', `/api/v1/repos/acme/stable/keys/${key.fingerprint.toLowerCase()}`, op)).status).toBe(204);
    expect((await call(svc, 'DELETE', `/api/v1/repos/acme/stable/keys/${key.fingerprint}`, op)).status).toBe(404);
    const tok = await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['read'] });
    await call(svc, 'DELETE', `/api/v1/tokens/${tok.body.id as string}`, op);

    const audit = await call(svc, 'GET', '/api/v1/tenants/acme/audit', op);
    expect(audit.body.chainValid).toBe(true);
    const entries = audit.body.entries as { action: string; actor: string }[];
    expect(entries.map((e) => e.action)).toEqual(['tenant.create', 'repo.create', 'key.add', 'key.remove', 'token.create', 'token.revoke']);
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['operator']));
  });

  it('pages the audit log; each page verifies against the previous entry', async () => {
    for (let i = 0; i < 4; i++) await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['read'] });
    const first = await call(svc, 'GET', '/api/v1/tenants/acme/audit?limit=2', op);
    expect((first.body.entries as { seq: number }[]).map((e) => e.seq)).toEqual([1, 2]);
    expect(first.body).toMatchObject({ chainValid: true, next: 2 });
    const second = await call(svc, 'GET', '/api/v1/tenants/acme/audit?after=2&limit=2', op);
    expect((second.body.entries as { seq: number }[]).map((e) => e.seq)).toEqual([3, 4]);
    const last = await call(svc, 'GET', '/api/v1/tenants/acme/audit?after=4&limit=2', op);
    expect(last.body).toMatchObject({ chainValid: true, next: null });
    expect((last.body.entries as unknown[]).length).toBe(1);
    expect((await call(svc, 'GET', '/api/v1/tenants/acme/audit?limit=0', op)).status).toBe(400);
    expect((await call(svc, 'GET', '/api/v1/tenants/acme/audit?after=99', op)).status).toBe(400);
  });

  it('refuses oversized bodies with 413, also without Content-Length', async () => {
    const big = 'x'.repeat(300 * 1024);
    expect((await call(svc, 'POST', '/api/v1/tenants/acme/keys', op, big)).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 100; i++) ctl.enqueue(new Uint8Array(4096).fill(32));
        ctl.close();
      },
    });
    const res = await svc.app.request('/api/v1/tenants', { method: 'POST', headers: op, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('audit entries name the acting token id', async () => {
    const admin = (await call(svc, 'POST', '/api/v1/tenants/acme/tokens', op, { scopes: ['admin'] })).body as { id: string; token: string };
    await call(svc, 'POST', '/api/v1/tenants/acme/tokens', bearer(admin.token), { scopes: ['read'] });
    const entries = (await call(svc, 'GET', '/api/v1/tenants/acme/audit', op)).body.entries as { actor: string }[];
    expect(entries.at(-1)?.actor).toBe(admin.id);
  });

  it('credentials: malformed or unknown → 401 invalid_token with a Basic challenge, never anonymous', async () => {
    for (const authorization of ['Bearer nope', 'Basic !!!', 'Digest abc', 'Bearer', `Basic ${btoa('user:')}`]) {
      const res = await call(svc, 'GET', '/api/v1/tenants/acme', { authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.body.code, authorization).toBe('invalid_token');
      expect(res.res.headers.get('www-authenticate')).toBe('Basic realm="berth"');
    }
    const anon = await call(svc, 'GET', '/api/v1/tenants/acme', {});
    expect(anon.body.code).toBe('unauthenticated');
    expect((await call(svc, 'GET', '/api/v1/tenants/acme', basic(OPERATOR_TOKEN, 'anything'))).status).toBe(200);
    expect((await call(svc, 'GET', '/api/v1/tenants/acme', { authorization: `Basic ${btoa(`${OPERATOR_TOKEN}:`)}` })).status).toBe(200);
  });

  it('request ids: a sane incoming one is echoed, others replaced; problems carry it', async () => {
    const kept = await svc.app.request('/api/v1/tenants/acme', { headers: { 'x-request-id': 'trace-1234abcd', ...op } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234abcd');
    const replaced = await svc.app.request('/api/v1/tenants/acme', { headers: { 'x-request-id': 'bad id\twith junk' } });
    const id = replaced.headers.get('x-request-id');
    // generated: a per-process random prefix and a counter, itself acceptable as an incoming id
    expect(id).toMatch(/^[0-9a-f]{16}-[0-9a-z]+$/);
    expect(((await replaced.json()) as { requestId: string }).requestId).toBe(id);
    const again = (await svc.app.request('/api/v1/tenants/acme', { headers: op })).headers.get('x-request-id');
    expect(again).not.toBe(id);
    expect(again?.slice(0, 17)).toBe(id?.slice(0, 17));
    const echoed = await svc.app.request('/api/v1/tenants/acme', { headers: { 'x-request-id': id!, ...op } });
    expect(echoed.headers.get('x-request-id')).toBe(id);
  });

  it('unknown errors become 500 internal without internals, logged with the request id', async () => {
    const res = await svc.app.request('/boom', { headers: op });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/var/lib');
    const body = JSON.parse(text) as { code: string; requestId: string };
    expect(body.code).toBe('internal');
    const logged = svc.logs.find((l) => l.level === 'error');
    expect(logged?.fields?.requestId).toBe(body.requestId);
    expect(String(logged?.fields?.error)).toContain('secret internals');
    const named = await svc.app.request('/bad-name', { headers: op });
    expect(named.status).toBe(400);
    expect(((await named.json()) as { code: string }).code).toBe('invalid_name');
  });

  it('documents every admin route in OpenAPI', () => {
    const doc = openApiDocument(adminRouteDocs, 'test') as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(routes).toEqual([
      'DELETE /api/v1/repos/{tenant}/{repo}', 'DELETE /api/v1/repos/{tenant}/{repo}/keys/{fpr}', 'DELETE /api/v1/tenants/{tenant}',
      'DELETE /api/v1/tenants/{tenant}/keys/{fpr}', 'DELETE /api/v1/tokens/{id}',
      'GET /api/v1/repos/{tenant}/{repo}', 'GET /api/v1/repos/{tenant}/{repo}/keys', 'GET /api/v1/tenants/{tenant}',
      'GET /api/v1/tenants/{tenant}/audit', 'GET /api/v1/tenants/{tenant}/keys', 'GET /api/v1/tenants/{tenant}/limits', 'GET /api/v1/tenants/{tenant}/repos',
      'GET /api/v1/tenants/{tenant}/tokens', 'GET /api/v1/tenants/{tenant}/usage', 'PATCH /api/v1/repos/{tenant}/{repo}', 'PATCH /api/v1/tenants/{tenant}/limits', 'POST /api/v1/repos/{tenant}/{repo}/keys', 'POST /api/v1/tenants',
      'POST /api/v1/tenants/{tenant}/keys', 'POST /api/v1/tenants/{tenant}/repos', 'POST /api/v1/tenants/{tenant}/tokens',
    ]);
  });
});
