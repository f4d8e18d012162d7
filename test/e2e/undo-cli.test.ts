// End to end through the `berth` CLI against `berth serve`: changing and undoing (repo show,
// update, delete; package list and delete by the prefix `push` prints; token list; mirror update
// and remove; tenant delete; audit) and the CLI's safety refusals (a token secret or a private key
// never leaves the machine). Every log line the server wrote is checked for every secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { berthAs, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';
import { publisherKey } from '../repo/pgp-fixtures.js';
import { syntheticRpm } from '../repo/support.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('CLI change and undo', reason);

const OPERATOR = `op-undo-${process.pid}-secret-value`;

describe.skipIf(reason !== null)('berth CLI: change and undo', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-undo-cli-'));
  let server: BerthServer;
  const secrets: string[] = [OPERATOR];
  const as = (token: string, args: string[]) => berthAs(server, token, args);
  /** The server's access log lines for `method path` (as logged). */
  const requests = (method: string, path: RegExp): number =>
    server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { method?: string; path?: string })
      .filter((e) => e.method === method && path.test(e.path ?? '')).length;

  beforeAll(async () => {
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: OPERATOR } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('changes, lists and deletes through the CLI; refuses secrets and private keys locally; logs no secret', async () => {
    expect((await as(OPERATOR, ['tenant', 'create', 'acme'])).code).toBe(0);
    expect((await as(OPERATOR, ['repo', 'create', 'acme/main', '--allow-unsigned', '--description', 'first'])).code).toBe(0);
    const admin = jsonOf<{ token: string; id: string }>(await as(OPERATOR, ['token', 'create', 'acme', '--scope', 'admin', '--json']));
    const read = jsonOf<{ token: string; id: string }>(await as(admin.token, ['token', 'create', 'acme', '--scope', 'read', '--repo', 'main', '--json']));
    secrets.push(admin.token, read.token);
    const early = await as(admin.token, ['token', 'create', 'acme', '--scope', 'read', '--repo', 'nope']);
    expect([early.code, early.stderr]).toEqual([1, expect.stringContaining('not found')]);

    // show / update
    expect(jsonOf(await as(read.token, ['repo', 'show', 'acme/main', '--json']))).toMatchObject({ name: 'main', public: false, description: 'first' });
    expect(jsonOf(await as(admin.token, ['repo', 'update', 'acme/main', '--public', '--description', '', '--json']))).toMatchObject({ public: true });
    expect((await as(admin.token, ['repo', 'update', 'acme/main'])).code).toBe(2);
    expect((await as(admin.token, ['repo', 'update', 'acme/main', '--public', '--private'])).code).toBe(2);
    expect((await fetch(`${server.url}/api/v1/repos/acme/main`)).status).toBe(200);

    // push prints a prefix that package delete takes; --json has the whole sha256
    const files = ['alpha', 'beta'].map((n) => {
      const f = join(work, `${n}.rpm`);
      writeFileSync(f, syntheticRpm(n));
      return f;
    });
    const pushed = await as(admin.token, ['push', 'acme/main', files[0]!]);
    expect(pushed.code).toBe(0);
    const prefix = /\(([0-9a-f]{12})\)/.exec(pushed.stdout)?.[1];
    expect(prefix).toBeDefined();
    const full = jsonOf<{ results: { sha256: string }[] }>(await as(admin.token, ['push', 'acme/main', '--json', files[1]!, files[0]!]));
    expect(full.results.map((r) => r.sha256)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(new RegExp(`^${prefix}[0-9a-f]{52}$`))]);
    const listed = jsonOf<{ packages: { name: string }[] }>(await as(read.token, ['package', 'list', 'acme/main', '--json']));
    expect(listed.packages.map((p) => p.name)).toEqual(['alpha', 'beta']);
    const removed = await as(admin.token, ['package', 'delete', 'acme/main', prefix!]);
    expect([removed.code, removed.stdout]).toEqual([0, expect.stringContaining('deleted alpha-1.0-1.noarch')]);
    expect((await as(read.token, ['package', 'list', 'acme/main', '--name', 'alpha'])).stdout.trim()).toBe('');

    // token list: every token, no secret, last use to the hour
    const tokens = await as(admin.token, ['token', 'list', 'acme', '--json']);
    const listedTokens = jsonOf<{ tokens: { id: string; lastUsedAt: string | null }[] }>(tokens);
    expect(listedTokens.tokens.map((t) => t.id).sort()).toEqual([admin.id, read.id].sort());
    expect(listedTokens.tokens.find((t) => t.id === admin.id)?.lastUsedAt).toEqual(expect.any(String));
    for (const s of secrets) expect(tokens.stdout).not.toContain(s.slice(19));
    expect(tokens.stdout).not.toMatch(/"(token|hash)"/);

    // a whole token given to revoke is refused without a request; the id works
    const before = requests('DELETE', /^\/api\/v1\/tokens\//);
    const bySecret = await as(admin.token, ['token', 'revoke', read.token]);
    expect(bySecret.code).toBe(2);
    expect(bySecret.stderr).toContain(`berth token revoke ${read.id}`);
    expect(bySecret.stderr + bySecret.stdout).not.toContain(read.token.slice(19));
    expect(requests('DELETE', /^\/api\/v1\/tokens\//)).toBe(before);
    expect((await as(admin.token, ['token', 'revoke', read.id])).code).toBe(0);
    expect((await fetch(`${server.url}/api/v1/repos/acme/main/packages`, { headers: { authorization: `Bearer ${read.token}` } })).status).toBe(401);

    // a private key is refused before anything is sent
    const key = await publisherKey('CLI');
    writeFileSync(join(work, 'secret.asc'), key.privateArmored);
    writeFileSync(join(work, 'public.asc'), key.publicArmored);
    const keyPosts = requests('POST', /\/keys$/);
    const priv = await as(admin.token, ['key', 'add', 'acme', join(work, 'secret.asc')]);
    expect([priv.code, priv.stderr]).toEqual([1, expect.stringContaining('private key')]);
    expect(requests('POST', /\/keys$/)).toBe(keyPosts);
    expect((await as(admin.token, ['key', 'add', 'acme/main', join(work, 'public.asc')])).code).toBe(0);
    expect((await as(read.token, ['key', 'list', 'acme/main'])).code).toBe(1); // revoked
    expect((await as(admin.token, ['key', 'list', 'acme/main'])).stdout).toContain(key.fingerprint);
    expect((await as(admin.token, ['key', 'remove', 'acme/main', key.fingerprint])).code).toBe(0);

    // mirror update / remove
    expect((await as(admin.token, ['repo', 'create', 'acme/up'])).code).toBe(0);
    expect((await as(admin.token, ['mirror', 'create', 'acme/up', '--from', 'http://127.0.0.1:9/', '--no-verify'])).code).toBe(0);
    expect(jsonOf(await as(admin.token, ['mirror', 'update', 'acme/up', '--interval', '7200', '--json']))).toMatchObject({ intervalSeconds: 7200 });
    expect((await as(admin.token, ['mirror', 'remove', 'acme/up'])).code).toBe(2);
    expect((await as(admin.token, ['mirror', 'remove', 'acme/up', '--yes'])).code).toBe(0);

    // delete asks for --yes
    const unconfirmed = await as(admin.token, ['repo', 'delete', 'acme/main']);
    expect([unconfirmed.code, unconfirmed.stderr]).toEqual([2, expect.stringContaining('--yes')]);
    expect((await as(admin.token, ['repo', 'show', 'acme/main'])).code).toBe(0);
    expect((await as(admin.token, ['repo', 'delete', 'acme/main', '--yes'])).code).toBe(0);
    expect((await as(admin.token, ['repo', 'show', 'acme/main'])).code).toBe(1);

    const audit = jsonOf<{ entries: { action: string }[]; chainValid: boolean }>(await as(admin.token, ['audit', 'acme', '--json']));
    expect(audit.chainValid).toBe(true);
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['repo.update', 'token.revoke', 'mirror.update', 'mirror.remove', 'repo.delete']));

    expect((await as(admin.token, ['tenant', 'delete', 'acme', '--yes'])).code).toBe(1); // operator only
    expect((await as(OPERATOR, ['tenant', 'delete', 'acme', '--yes'])).code).toBe(1); // acme/up is left
    expect((await as(OPERATOR, ['tenant', 'delete', 'acme', '--yes', '--force'])).code).toBe(0);
    expect((await as(admin.token, ['repo', 'list', 'acme'])).code).toBe(1);

    // no secret in any line the server logged
    const logged = server.stderr() + server.stdout();
    for (const s of secrets) expect(logged).not.toContain(s);
    for (const s of secrets.slice(1)) expect(logged).not.toContain(s.slice(19));
  }, 240_000);
});
