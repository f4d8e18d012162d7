// Advisories over HTTP: uploaded as updateinfo XML or JSON, merged into updateinfo.xml.gz and
// listed in repomd.xml by the next generation; idempotent for the same advisory, 409 for a
// different one under a taken id (unless replaced, which moves `updated` forward), 422 for
// packages the repo does not hold (unless allowed); named in the changes feed; deleted again.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readUpdateinfo } from '../../src/core/advisory/read.js';
import { readRepomd } from '../../src/core/repodata/read/repomd.js';
import { makeWorld, syntheticRpm, type World } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const XML = (id: string, version = '2', title = 'foo security update'): string => `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.com" status="final" type="security" version="1">
    <id>${id}</id>
    <title>${title}</title>
    <severity>Important</severity>
    <issued date="2026-01-02 03:04:05"/>
    <references><reference href="https://example.com/CVE-2026-0001" id="CVE-2026-0001" type="cve" title="CVE-2026-0001"/></references>
    <description>fixes &lt;things&gt;</description>
    <pkglist><collection short="acme"><name>acme main</name>
      <package name="foo" version="${version}" release="1" epoch="0" arch="noarch" src="foo-${version}-1.src.rpm">
        <filename>foo-${version}-1.noarch.rpm</filename><reboot_suggested>True</reboot_suggested>
      </package>
    </collection></pkglist>
  </update>
</updates>`;

const xmlReq = (body: string, query = ''): [string, RequestInit] => [
  `http://x/api/v1/repos/acme/main/advisories${query}`, { method: 'POST', body, headers: asOperator({ 'content-type': 'application/xml' }) },
];

async function served(app: Awaited<ReturnType<typeof composedApp>>, w: World): Promise<{ repomd: string; updateinfo: string | null }> {
  await w.sink.idle();
  const repomd = await (await app.request('http://x/acme/main/repodata/repomd.xml', { headers: asOperator() })).text();
  const rec = readRepomd(repomd).entries.find((e) => e.type === 'updateinfo');
  if (!rec) return { repomd, updateinfo: null };
  const file = await app.request(`http://x/acme/main/${rec.href}`, { headers: asOperator() });
  expect(file.status).toBe(200);
  return { repomd, updateinfo: gunzipSync(new Uint8Array(await file.arrayBuffer())).toString('utf8') };
}

describe('advisories over HTTP', () => {
  it('uploads, serves, refuses conflicts and unknown packages, replaces, lists and deletes', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    for (const v of ['1', '2']) expect((await app.request('http://x/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('foo', v), headers: asOperator() })).status).toBe(201);
    const before = await served(app, w);
    expect(before.updateinfo).toBeNull();
    const revBefore = Number(/<revision>(\d+)<\/revision>/.exec(before.repomd)![1]);

    const made = await app.request(...xmlReq(XML('ACME-2026-0001')));
    expect(made.status).toBe(201);
    const body = (await made.json()) as { results: unknown[]; revision: number };
    expect(body.results).toEqual([{ id: 'ACME-2026-0001', outcome: 'created' }]);
    expect(body.revision).toBe(revBefore + 1);
    const after = await served(app, w);
    expect(after.repomd).toContain(`<revision>${revBefore + 1}</revision>`);
    const [adv] = readUpdateinfo(after.updateinfo!);
    expect(adv).toMatchObject({
      id: 'ACME-2026-0001', type: 'security', severity: 'Important', issued: '2026-01-02 03:04:05', description: 'fixes <things>',
      packages: [{ name: 'foo', version: '2', release: '1', epoch: '0', arch: 'noarch', filename: 'foo-2-1.noarch.rpm', rebootSuggested: true }],
      references: [{ type: 'cve', id: 'CVE-2026-0001' }],
    });

    // the same again: nothing changes, no new revision
    const same = await app.request(...xmlReq(XML('ACME-2026-0001')));
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ results: [{ outcome: 'unchanged' }], revision: revBefore + 1 });

    // a different advisory under the same id
    const other = await app.request(...xmlReq(XML('ACME-2026-0001', '2', 'another title')));
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'advisory_exists' });
    w.now.value = new Date('2030-05-06T07:08:09Z');
    const replaced = await app.request(...xmlReq(XML('ACME-2026-0001', '2', 'another title'), '?replace=1'));
    expect(replaced.status).toBe(201);
    const shown = (await (await app.request('http://x/api/v1/repos/acme/main/advisories/ACME-2026-0001', { headers: asOperator() })).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({ title: 'another title', issued: '2026-01-02 03:04:05', updated: '2030-05-06 07:08:09' });
    expect((await served(app, w)).updateinfo).toContain('<updated date="2030-05-06 07:08:09"/>');

    // a package the repo does not hold
    const unknown = await app.request(...xmlReq(XML('ACME-2026-0002', '9')));
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ code: 'unknown_package', packages: ['foo-9-1.noarch'] });
    expect((await app.request(...xmlReq(XML('ACME-2026-0002', '9'), '?allowUnknownPackages=1'))).status).toBe(201);

    // JSON, validated by the schema
    const bad = await app.request('http://x/api/v1/repos/acme/main/advisories', jsonReq('POST', { id: 'X-1', type: 'urgent', title: 't', issued: '2026-13-01', packages: [] }));
    expect(bad.status).toBe(400);
    const errors = ((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(errors).toEqual(expect.arrayContaining(['type', 'issued', 'packages']));
    const json = await app.request('http://x/api/v1/repos/acme/main/advisories', jsonReq('POST', {
      id: 'ACME-2026-0003', type: 'bugfix', title: 'foo 1 fix', issued: '2026-02-01', packages: [{ name: 'foo', version: '1', release: '1', arch: 'noarch' }],
    }));
    expect(json.status).toBe(201);
    const list = (await (await app.request('http://x/api/v1/repos/acme/main/advisories?type=security', { headers: asOperator() })).json()) as { advisories: { id: string }[] };
    expect(list.advisories.map((a) => a.id)).toEqual(['ACME-2026-0001', 'ACME-2026-0002']);

    // the changes feed names the metadata change
    const feed = (await (await app.request(`http://x/api/v1/repos/acme/main/changes?since=${revBefore}`, { headers: asOperator() })).json()) as { metadata: string[]; added: unknown[] };
    expect(feed).toMatchObject({ metadata: ['updateinfo'], added: [], complete: true });

    expect((await app.request('http://x/api/v1/repos/acme/main/advisories/ACME-2026-0002', { method: 'DELETE', headers: asOperator() })).status).toBe(200);
    expect((await app.request('http://x/api/v1/repos/acme/main/advisories/ACME-2026-0002', { headers: asOperator() })).status).toBe(404);
    const final = (await served(app, w)).updateinfo!;
    expect(readUpdateinfo(final).map((a) => a.id)).toEqual(['ACME-2026-0001', 'ACME-2026-0003']);
    for (const id of ['ACME-2026-0001', 'ACME-2026-0003']) {
      expect((await app.request(`http://x/api/v1/repos/acme/main/advisories/${id}`, { method: 'DELETE', headers: asOperator() })).status).toBe(200);
    }
    expect((await served(app, w)).updateinfo).toBeNull();
  }, 60_000);

  it('refuses XML it must not read, and anonymous or read-only writers', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const doctype = await app.request(...xmlReq('<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x "y">]><updates/>'));
    expect(doctype.status).toBe(400);
    expect(await doctype.json()).toMatchObject({ code: 'invalid_xml' });
    const notUpdates = await app.request(...xmlReq('<metadata/>'));
    expect(await notUpdates.json()).toMatchObject({ status: 400, code: 'invalid_xml' });
    const text = await app.request('http://x/api/v1/repos/acme/main/advisories', { method: 'POST', body: 'x', headers: asOperator({ 'content-type': 'text/plain' }) });
    expect(text.status).toBe(415);
    const anon = await app.request('http://x/api/v1/repos/acme/main/advisories', { method: 'POST', body: XML('A-1'), headers: { 'content-type': 'application/xml' } });
    expect(anon.status).toBe(401);
  });
});
