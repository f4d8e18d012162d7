// The package page lists the repo's advisories that fix that exact package (name, epoch,
// version, release, arch), every field escaped; other versions and other repos' advisories never.
import { describe, expect, it } from 'vitest';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const HTML = { accept: 'text/html' };

const advisory = (id: string, version: string, title: string) => ({
  id, type: 'security', title, severity: 'Important', issued: '2026-03-01 10:00:00',
  references: [{ href: 'https://www.cve.org/CVERecord?id=CVE-2026-0042', id: 'CVE-2026-0042', type: 'cve' }],
  packages: [{ name: 'foo', epoch: '0', version, release: '1', arch: 'noarch' }],
});

describe('package page: advisories that fix it', () => {
  it('lists the advisories naming the package, escaped, and only those', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }, { name: 'other', allowUnsigned: true }]);
    const app = await composedApp(w);
    const shas: Record<string, string> = {};
    for (const [repo, v] of [['main', '1'], ['main', '2'], ['other', '2']] as const) {
      const res = await app.request(`http://x/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', body: syntheticRpm('foo', v), headers: asOperator() });
      expect(res.status).toBe(201);
      shas[`${repo}-${v}`] = ((await res.json()) as { sha256: string }).sha256;
    }
    const post = async (repo: string, body: unknown): Promise<void> => {
      expect((await app.request(`http://x/api/v1/repos/acme/${repo}/advisories`, jsonReq('POST', body))).status).toBe(201);
    };
    await post('main', { advisories: [advisory('ACME-2026:0042', '2', 'foo <script>alert(1)</script> fix'), advisory('ACME-2026:0001', '1', 'old foo fix')] });
    await post('other', advisory('OTHER-2026:0007', '2', 'other repo fix'));

    const page = async (repo: string, key: string): Promise<string> => {
      const res = await app.request(`http://x/acme/${repo}/-/packages/${shas[key]}`, { headers: asOperator(HTML) });
      expect(res.status).toBe(200);
      return res.text();
    };
    const foo2 = await page('main', 'main-2');
    expect(foo2).toContain('Advisories that fix it');
    expect(foo2).toContain('ACME-2026:0042');
    expect(foo2).toContain('foo &lt;script&gt;alert(1)&lt;/script&gt; fix');
    expect(foo2).not.toContain('<script>alert(1)');
    expect(foo2).toContain('href="https://www.cve.org/CVERecord?id=CVE-2026-0042"');
    expect(foo2).not.toContain('ACME-2026:0001');
    expect(foo2).not.toContain('OTHER-2026:0007');

    const foo1 = await page('main', 'main-1');
    expect(foo1).toContain('ACME-2026:0001');
    expect(foo1).not.toContain('ACME-2026:0042');

    const other = await page('other', 'other-2');
    expect(other).toContain('OTHER-2026:0007');
    expect(other).not.toContain('ACME-2026');

    // a package no advisory names has no such section
    await app.request(`http://x/api/v1/repos/acme/other/advisories/OTHER-2026:0007`, { method: 'DELETE', headers: asOperator() });
    expect(await page('other', 'other-2')).not.toContain('Advisories that fix it');
  });
});
