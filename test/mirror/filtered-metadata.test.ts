// A filtered mirror carries upstream's advisories (updateinfo), package groups (comps) and modules
// (modules.yaml: a module stream only whole, with the packages only it names) pruned to the packages it keeps:
// advisories naming only dropped packages are not carried, the next run replaces what the last
// one carried (an advisory upstream withdrew goes), advisories uploaded by hand stay, invalid
// upstream advisories are skipped with a warning, and an updateinfo past the read bound fails
// the run before anything is published.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putAdvisories, readAdvisories } from '../../src/repo/advisories.js';
import { appendAudit } from '../../src/repo/audit.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { readIndex } from '../../src/repo/index-store.js';
import { readGroupFile, setGroupFile } from '../../src/repo/repo-groups.js';
import { readComps } from '../../src/core/repodata/read/comps.js';
import { runMirror } from '../../src/mirror/run.js';
import { syntheticRpm } from '../repo/support.js';
import { defaults, obsoletes, stream, translations } from '../core/modules/fixtures.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo, type UpPackage } from './worlds.js';

const update = (id: string, names: string[], extra = ''): string => `<update from="sec@example.com" status="final" type="security" version="1">
  <id>${id}</id><title>${id} fix</title><issued date="2026-01-02 03:04:05"/>${extra}
  <pkglist><collection short="up">${names.map((n) => `<package name="${n}" version="1.0" release="1" epoch="0" arch="noarch"><filename>${n}-1.0-1.noarch.rpm</filename></package>`).join('')}</collection></pkglist>
</update>`;
const updateinfo = (...updates: string[]): Uint8Array => gzipSync(`<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n${updates.join('\n')}\n</updates>\n`);

describe('filtered mirror: upstream advisories and groups', () => {
  let up: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
  });
  afterAll(async () => {
    await up?.close();
  });
  const pkgs: UpPackage[] = ['foo', 'bar', 'baz'].map((name) => ({ name, bytes: syntheticRpm(name), href: `${name}-1.0-1.noarch.rpm` }));
  const serve = (prefix: string, info: Uint8Array | null): void => serveRepo(up, prefix, [
    { type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) },
    ...(info ? [{ type: 'updateinfo', href: 'repodata/updateinfo.xml.gz', bytes: info }] : []),
  ], pkgs);

  it('carries them pruned to the packages kept, and replaces them on the next run', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'm' }], ['127.0.0.1']);
    serve('/adv', updateinfo(update('UP-1', ['foo', 'baz']), update('UP-2', ['baz']), update('UP-BAD', ['foo'], '<updated date="not a date"/>')));
    await configure(w, 'acme', 'm', { from: `${up.url}/adv/`, include: ['foo', 'bar'] });
    const s = await runMirror(w.deps, 'acme', 'm');
    expect(s).toMatchObject({ ok: true, packages: { selected: 2, added: 2 } });
    expect(s.warnings.join(' ')).toContain('1 upstream advisory(ies)');
    let advisories = await readAdvisories(w.store, 'acme', 'm');
    expect(advisories.map((a) => [a.id, a.packages.map((p) => p.name)])).toEqual([['UP-1', ['foo']]]);
    await w.sink.idle();
    expect((await currentGeneration(w.store, 'acme', 'm'))?.record.files.some((f) => f.includes('updateinfo'))).toBe(true);

    // an advisory uploaded by hand stays; one upstream withdrew goes; a new one comes
    await putAdvisories(w.deps, { appendAudit }, {
      tenant: 'acme', repo: 'm', actor: 'test', replace: false, allowUnknownPackages: false,
      advisories: [{ id: 'HAND-1', type: 'bugfix', title: 'by hand', status: 'final', version: '1', issued: '2026-01-01 00:00:00', references: [], collection: {},
        packages: [{ name: 'bar', epoch: '0', version: '1.0', release: '1', arch: 'noarch' }] }],
    });
    serve('/adv', updateinfo(update('UP-3', ['bar', 'baz'])));
    expect(await runMirror(w.deps, 'acme', 'm')).toMatchObject({ ok: true });
    advisories = await readAdvisories(w.store, 'acme', 'm');
    expect(advisories.map((a) => [a.id, a.packages.map((p) => p.name)]).sort()).toEqual([['HAND-1', ['bar']], ['UP-3', ['bar']]]);

    // upstream drops updateinfo: what the mirror carried goes, the hand-made one stays
    serve('/adv', null);
    expect(await runMirror(w.deps, 'acme', 'm')).toMatchObject({ ok: true });
    expect((await readAdvisories(w.store, 'acme', 'm')).map((a) => a.id)).toEqual(['HAND-1']);
  });

  it('carries upstream comps pruned to the kept packages, never over groups uploaded by hand', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'g' }, { tenant: 'acme', repo: 'own' }], ['127.0.0.1']);
    const comps = (extra: string) => `<?xml version="1.0" encoding="UTF-8"?>
<comps>
  <group><id>tools</id><name>Tools</name><packagelist><packagereq>foo</packagereq><packagereq>baz</packagereq></packagelist></group>
  <group><id>bazonly</id><name>Baz</name><packagelist><packagereq>baz</packagereq></packagelist></group>${extra}
</comps>`;
    const withComps = (prefix: string, text: string): void => serveRepo(up, prefix, [
      { type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) },
      { type: 'group', href: 'repodata/comps.xml', bytes: text },
      { type: 'group_gz', href: 'repodata/comps.xml.gz', bytes: gzipSync(text) },
    ], pkgs);
    withComps('/comps', comps(''));
    await configure(w, 'acme', 'g', { from: `${up.url}/comps/`, include: ['foo', 'bar'] });
    expect(await runMirror(w.deps, 'acme', 'g')).toMatchObject({ ok: true });
    const groups = await readGroupFile(w.deps, 'acme', 'g', 'group');
    expect(groups).not.toBeNull();
    expect(readComps(groups!)).toEqual({ groups: ['tools'], categories: [], environments: [], packages: ['foo'] });
    expect(up.stats('/comps/repodata/comps.xml').requests).toBe(0);

    // upstream's groups no longer name a kept package: the mirror's groups go
    withComps('/comps', comps('').replace(/<packagereq>foo<\/packagereq>/, ''));
    expect(await runMirror(w.deps, 'acme', 'g')).toMatchObject({ ok: true });
    expect(await readGroupFile(w.deps, 'acme', 'g', 'group')).toBeNull();

    // a repo with groups of its own keeps them
    const mine = '<comps><group><id>mine</id><packagelist><packagereq>bar</packagereq></packagelist></group></comps>';
    await setGroupFile(w.deps, { appendAudit }, 'acme', 'own', 'group', mine, 'test');
    withComps('/comps2', comps(''));
    await configure(w, 'acme', 'own', { from: `${up.url}/comps2/`, include: ['foo', 'bar'] });
    const s = await runMirror(w.deps, 'acme', 'own');
    expect(s).toMatchObject({ ok: true });
    expect(s.warnings.join(' ')).toContain('package groups of its own');
    expect(await readGroupFile(w.deps, 'acme', 'own', 'group')).toBe(mine);
  });

  it('carries upstream modules pruned to the kept packages: a stream only whole, the packages only a dropped stream names not mirrored', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'mod' }, { tenant: 'acme', repo: 'own' }], ['127.0.0.1']);
    const kept = stream('keepmod', ['foo-0:1.0-1.noarch', 'foo-0:1.0-1.src']) + defaults('keepmod') + translations('keepmod');
    const yaml = kept + stream('gonemod', ['bar-0:1.0-1.noarch', 'baz-0:1.0-1.noarch']) + defaults('gonemod') + obsoletes('gonemod');
    const withModules = (prefix: string, text: string | null, plain = false): void => serveRepo(up, prefix, [
      { type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) },
      ...(text === null ? [] : [plain ? { type: 'modules', href: 'repodata/modules.yaml', bytes: text } : { type: 'modules', href: 'repodata/modules.yaml.gz', bytes: gzipSync(text) }]),
    ], pkgs);
    withModules('/mod', yaml);
    // bar is selected, but baz is not: gonemod would be served without baz, so it goes with bar
    await configure(w, 'acme', 'mod', { from: `${up.url}/mod/`, include: ['foo', 'bar'] });
    const s = await runMirror(w.deps, 'acme', 'mod');
    expect(s).toMatchObject({ ok: true, packages: { selected: 1, added: 1 } });
    expect(s.warnings).toEqual(['1 selected package(s) not mirrored: only module streams the filters keep part of name them (gonemod:1:8030020201124131330:00000000:noarch)']);
    expect((await readIndex(w.store, 'acme', 'mod')).index.packages.map((p) => p.name)).toEqual(['foo']);
    expect(up.stats('/mod/bar-1.0-1.noarch.rpm').requests).toBe(0);
    expect(await readGroupFile(w.deps, 'acme', 'mod', 'modules')).toBe(kept);
    await w.sink.idle();
    expect((await currentGeneration(w.store, 'acme', 'mod'))?.record.files.some((f) => f.endsWith('-modules.yaml.gz'))).toBe(true);

    // upstream lists no modules any more: the mirror's go, and bar is an ordinary package again
    withModules('/mod', null);
    expect(await runMirror(w.deps, 'acme', 'mod')).toMatchObject({ ok: true, warnings: [] });
    expect(await readGroupFile(w.deps, 'acme', 'mod', 'modules')).toBeNull();
    expect((await readIndex(w.store, 'acme', 'mod')).index.packages.map((p) => p.name).sort()).toEqual(['bar', 'foo']);

    // a modules.yaml dnf would refuse (here uncompressed) fails the run: nothing published
    withModules('/mod', yaml.replace('summary: The keepmod module', 'summary: [not, a, string]'), true);
    const bad = await runMirror(w.deps, 'acme', 'mod');
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_modules' } });
    expect(bad.error?.detail).toBe('upstream repodata/modules.yaml: document 1, data.summary: must be a string');
    expect(await readGroupFile(w.deps, 'acme', 'mod', 'modules')).toBeNull();

    // a repo with modules of its own keeps them, and no package is left out for upstream's
    await setGroupFile(w.deps, { appendAudit }, 'acme', 'own', 'modules', stream('mine', []), 'test');
    withModules('/own', yaml);
    await configure(w, 'acme', 'own', { from: `${up.url}/own/`, include: ['foo', 'bar'] });
    const o = await runMirror(w.deps, 'acme', 'own');
    expect(o).toMatchObject({ ok: true, packages: { selected: 2 }, warnings: ["acme/own has modules of its own: upstream's are not carried"] });
    expect(await readGroupFile(w.deps, 'acme', 'own', 'modules')).toBe(stream('mine', []));
  });

  it('an updateinfo past the read bound fails the run before anything is published', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'big' }], ['127.0.0.1'], { maxXmlBytes: 4096 });
    const many = Array.from({ length: 40 }, (_, i) => update(`UP-${i}`, ['foo']));
    serve('/big', updateinfo(...many));
    await configure(w, 'acme', 'big', { from: `${up.url}/big/`, include: ['foo'] });
    const s = await runMirror(w.deps, 'acme', 'big');
    expect(s.ok).toBe(false);
    expect(s.error?.code).toBe('xml_limit');
    expect((await readIndex(w.store, 'acme', 'big')).index.packages).toEqual([]);
    expect(await readAdvisories(w.store, 'acme', 'big')).toEqual([]);
  });
});
