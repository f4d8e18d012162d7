// A filtered mirror carries upstream's advisories (updateinfo) pruned to the packages it keeps:
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
import { runMirror } from '../../src/mirror/run.js';
import { syntheticRpm } from '../repo/support.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo, type UpPackage } from './worlds.js';

const update = (id: string, names: string[], extra = ''): string => `<update from="sec@example.com" status="final" type="security" version="1">
  <id>${id}</id><title>${id} fix</title><issued date="2026-01-02 03:04:05"/>${extra}
  <pkglist><collection short="up">${names.map((n) => `<package name="${n}" version="1.0" release="1" epoch="0" arch="noarch"><filename>${n}-1.0-1.noarch.rpm</filename></package>`).join('')}</collection></pkglist>
</update>`;
const updateinfo = (...updates: string[]): Uint8Array => gzipSync(`<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n${updates.join('\n')}\n</updates>\n`);

describe('filtered mirror: upstream advisories', () => {
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
