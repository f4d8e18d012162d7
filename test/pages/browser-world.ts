/**
 * A running `berth serve` with something to browse: tenant `acme` with a public repo `main`
 * (packages built by rpmbuild and signed with the test key), a public `lab` that accepts
 * unsigned packages (one of them with `<script>` in its description), and a private `secret`
 * readable with a read token limited to it.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpmSign, testKeyring } from '../helpers/gpg.js';
import { rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { eventually, startBerthServer, type BerthServer } from '../helpers/service.js';
import { customRpm } from '../repo/custom-rpm.js';

export const ADMIN = `op-pages-${process.pid}-secret-0123456789`;

export interface BrowseWorld {
  server: BerthServer;
  work: string;
  /** A read token of acme limited to acme/secret. */
  readToken: string;
  api(path: string, init?: RequestInit, token?: string): Promise<Response>;
}

export const MAIN_SPECS = ['berth-app', 'berth-lib', 'berth-deps', 'berth-files', 'berth-changelog', 'berth-epoch'] as const;

export async function browseWorld(): Promise<BrowseWorld> {
  const work = mkdtempSync(join(tmpdir(), 'berth-pages-'));
  const server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN } });
  const api = (path: string, init: RequestInit = {}, token = ADMIN): Promise<Response> =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });
  const ok = async (res: Promise<Response>, what: string): Promise<Response> => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${await r.text()}`);
    return r;
  };
  const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  await ok(api('/api/v1/tenants', json({ name: 'acme' })), 'tenant');
  await ok(api('/api/v1/tenants/acme/repos', json({ name: 'main', public: true })), 'repo main');
  await ok(api('/api/v1/tenants/acme/repos', json({ name: 'lab', public: true, allowUnsigned: true })), 'repo lab');
  await ok(api('/api/v1/tenants/acme/repos', json({ name: 'secret' })), 'repo secret');
  const keys = await testKeyring();
  await ok(api('/api/v1/tenants/acme/keys', { method: 'POST', body: keys.rsa.armoredPublicKey }), 'key');

  const rpms = join(work, 'rpms');
  const built: Record<string, string> = {};
  for (const spec of MAIN_SPECS) built[spec] = (await rpmbuild(spec, specBytes(spec), rpms))[0]!;
  await rpmSign(Object.values(built), 'rsa');
  const put = async (repo: string, bytes: Uint8Array): Promise<void> => {
    await ok(api(`/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/x-rpm' } }), `push to ${repo}`);
  };
  for (const spec of MAIN_SPECS) await put('main', await readFile(built[spec]!));
  await put('secret', await readFile(built['berth-lib']!));
  await put('lab', customRpm({ name: 'evil', summary: 'a <b>bold</b> claim', description: '<script>window.__pwned = 1; alert("pwned")</script> & <img src=x onerror=alert(2)>' }));

  const token = await ok(api('/api/v1/tenants/acme/tokens', json({ scopes: ['read'], repos: ['secret'], description: 'pages test' })), 'token');
  const readToken = ((await token.json()) as { token: string }).token;
  // metadata is regenerated in the background: wait until every repo has its repomd.xml
  for (const repo of ['main', 'lab', 'secret']) {
    await eventually(`${repo} repomd.xml`, async () => ((await api(`/acme/${repo}/repodata/repomd.xml`)).status === 200 ? true : undefined));
  }
  return { server, work, readToken, api };
}
