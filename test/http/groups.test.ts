// Package groups (comps) and modules over HTTP: uploaded whole, listed in repomd.xml (group,
// group_gz, modules) by the next generation, served byte for byte, returned as uploaded; the same
// document again changes nothing; refused when malformed; gone again when deleted.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRepomd } from '../../src/core/repodata/read/repomd.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { COMPS, MODULES } from './isolation-group-cases.js';
import { asOperator, composedApp } from './lifecycle-app.js';

describe('groups and modules over HTTP', () => {
  it('uploads, serves, keeps the same one, refuses bad ones, deletes', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const req = (method: string, path: string, body?: string, type = 'application/xml') =>
      app.request(`http://x/api/v1/repos/acme/main/${path}`, { method, headers: asOperator({ 'content-type': type }), ...(body === undefined ? {} : { body }) });
    const repomd = async () => {
      await w.sink.idle();
      return readRepomd(await (await app.request('http://x/acme/main/repodata/repomd.xml', { headers: asOperator() })).text());
    };
    const file = async (href: string): Promise<Buffer> => Buffer.from(await (await app.request(`http://x/acme/main/${href}`, { headers: asOperator() })).arrayBuffer());
    expect((await app.request('http://x/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('echo'), headers: asOperator() })).status).toBe(201);
    await w.sink.idle();

    const put = await req('PUT', 'groups', COMPS('tools'));
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ changed: true, groups: ['tools'] });
    const md = await repomd();
    const group = md.entries.find((e) => e.type === 'group')!;
    const groupGz = md.entries.find((e) => e.type === 'group_gz')!;
    expect(group.href).toMatch(/^repodata\/[0-9a-f]{64}-comps\.xml$/);
    expect(groupGz.href).toMatch(/^repodata\/[0-9a-f]{64}-comps\.xml\.gz$/);
    expect((await file(group.href)).toString()).toBe(COMPS('tools'));
    expect(gunzipSync(await file(groupGz.href)).toString()).toBe(COMPS('tools'));
    expect(await (await req('GET', 'groups')).text()).toBe(COMPS('tools'));
    expect(await (await req('PUT', 'groups', COMPS('tools'))).json()).toMatchObject({ changed: false });

    for (const bad of ['<comps/>', '<groups><group><id>x</id></group></groups>', '<comps><group><name>no id</name></group></comps>', '<!DOCTYPE comps><comps/>']) {
      const r = await req('PUT', 'groups', bad);
      expect(r.status, bad).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'invalid_xml' });
    }

    const mod = await req('PUT', 'modules', MODULES('berth'), 'application/yaml');
    expect(mod.status).toBe(200);
    expect(await mod.json()).toMatchObject({ changed: true, documents: { modulemd: 1, defaults: 0, obsoletes: 0, translations: 0 } });
    const modules = (await repomd()).entries.find((e) => e.type === 'modules')!;
    expect(modules.href).toMatch(/^repodata\/[0-9a-f]{64}-modules\.yaml\.gz$/);
    expect(gunzipSync(await file(modules.href)).toString()).toBe(MODULES('berth'));
    // refused as dnf's reader would refuse it: 422 invalid_modules naming the document and the field
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 9 }, (_, i) => `${'bcdefghij'[i]}: &${'bcdefghij'[i]} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`).join('\n')}\n`;
    for (const [bad, document, field] of [
      ['name: not modulemd\n', 1, 'document'],
      [`${MODULES('ok')}---\ndocument: modulemd-defaults\nversion: 1\ndata: {stream: x}\n`, 2, 'data.module'],
      [MODULES('art').replace('...\n', '  artifacts:\n    rpms: [art-1.0-1.noarch]\n...\n'), 1, 'data.artifacts.rpms[0]'],
      [MODULES('v').replace('version: 1\n', 'version: many\n'), 1, 'data.version'],
      ['document: modulemd-packager\nversion: 3\ndata: {name: p}\n', 1, 'document'],
      [bomb, 1, null],
      ['['.repeat(100_000), 1, null],
      ['', null, null],
    ] as const) {
      const r = await req('PUT', 'modules', bad, 'application/yaml');
      expect(r.status, bad.slice(0, 60)).toBe(422);
      const body = await r.json() as { code: string; detail: string; document: number | null; field: string | null };
      expect(body, bad.slice(0, 60)).toMatchObject({ code: 'invalid_modules', document, field });
      expect(body.detail).toMatch(document === null ? /^modules\.yaml: / : new RegExp(`^modules\\.yaml: document ${document}`));
    }
    // nothing refused was stored
    expect(await (await req('GET', 'modules')).text()).toBe(MODULES('berth'));

    expect((await req('DELETE', 'groups')).status).toBe(200);
    expect((await req('GET', 'groups')).status).toBe(404);
    const after = (await repomd()).entries.map((e) => e.type);
    expect(after).not.toContain('group');
    expect(after).toContain('modules');
    expect(after).toContain('primary');
  }, 60_000);
});
