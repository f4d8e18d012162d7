// What happens to the other files in DIR/repodata/ (comps.xml, notes, a signature, old metadata)
// when createrepo runs again: berth createrepo against createrepo_c 0.17 on identical trees.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { run } from '../helpers/run.js';
import { announceSkip, findTool, skipReason } from '../helpers/tools.js';
import { REVISION, setMtimes } from './generate.js';

const digest = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

const reason = skipReason({ tools: ['rpmbuild', 'createrepo_c'] }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('createrepo keeps foreign repodata files', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-foreign-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FOREIGN: Record<string, string> = {
  'comps.xml': '<?xml version="1.0"?>\n<comps></comps>\n',
  'notes.txt': 'kept by hand\n',
  'repomd.xml.asc': '-----BEGIN PGP SIGNATURE-----\n(an old signature)\n',
  'deadbeef-primary.xml.gz': 'not listed in repomd.xml',
  'extra/inside.txt': 'a directory is kept too\n',
};

function createrepoC(dir: string, extra: readonly string[] = []): Promise<unknown> {
  return run(findTool('createrepo_c') ?? 'createrepo_c', ['-q', '--revision', REVISION, ...extra, dir]);
}

/** Every path under repodata/ (directories end in /) with its content, minus what repomd.xml lists now. */
function leftovers(dir: string): Record<string, string> {
  const repodata = join(dir, 'repodata');
  const repomd = readFileSync(join(repodata, 'repomd.xml'), 'utf8');
  const listed = new Set([...repomd.matchAll(/<location href="repodata\/([^"]+)"/g)].map((m) => m[1]!));
  const out: Record<string, string> = {};
  for (const e of readdirSync(repodata, { withFileTypes: true, recursive: true })) {
    const rel = join(e.parentPath, e.name).slice(repodata.length + 1);
    if (rel === 'repomd.xml' || listed.has(rel)) continue;
    out[e.isDirectory() ? `${rel}/` : rel] = e.isDirectory() ? '' : digest(readFileSync(join(e.parentPath, e.name)));
  }
  return out;
}

function addForeign(dir: string): void {
  for (const [rel, text] of Object.entries(FOREIGN)) {
    mkdirSync(join(dir, 'repodata', rel, '..'), { recursive: true });
    writeFileSync(join(dir, 'repodata', rel), text);
  }
}

describe.skipIf(reason !== null)('createrepo on a DIR whose repodata/ has other files, vs createrepo_c', () => {
  const tree = join(work, 'tree');
  let rpms: string[];

  beforeAll(async () => {
    rpms = await buildMany(3, join(work, 'rpms'));
    mkdirSync(tree, { recursive: true });
    for (const f of rpms.slice(0, 2)) cpSync(f, join(tree, f.slice(f.lastIndexOf('/') + 1)));
    // the old state: createrepo_c's own output, sqlite databases included, plus foreign files
    await createrepoC(tree);
    addForeign(tree);
  }, 120_000);

  function copies(name: string): { c: string; b: string } {
    const c = join(work, `${name}-createrepo_c`);
    const b = join(work, `${name}-berth`);
    for (const d of [c, b]) {
      cpSync(tree, d, { recursive: true });
      setMtimes(d);
    }
    return { c, b };
  }

  it('keeps every file the old repomd.xml does not list and removes the metadata it lists', async () => {
    const { c, b } = copies('first');
    const oldListed = [...readFileSync(join(tree, 'repodata', 'repomd.xml'), 'utf8').matchAll(/<location href="repodata\/([^"]+)"/g)].map((m) => m[1]!);
    expect(oldListed.some((f) => f.endsWith('primary.sqlite.bz2'))).toBe(true);
    await createrepoC(c, ['--no-database']);
    const r = await berth(['createrepo', '--revision', REVISION, b]);
    expect(leftovers(b)).toEqual(leftovers(c));
    expect(leftovers(b)).toEqual({ ...Object.fromEntries(Object.entries(FOREIGN).map(([k, v]) => [k, digest(v)])), 'extra/': '' });
    for (const f of oldListed.filter((x) => x.includes('sqlite'))) expect(existsSync(join(b, 'repodata', f)), f).toBe(false);
    // the kept signature no longer matches: say so
    expect(r.stderr).toMatch(/repomd\.xml\.asc was kept but signs the old repomd\.xml/);
  });

  it('a second run (and --update) over berth output after adding a package keeps them too', async () => {
    const { c, b } = copies('second');
    await createrepoC(c, ['--no-database']);
    await berth(['createrepo', '--revision', REVISION, b]);
    const before = readdirSync(join(b, 'repodata'));
    // again over the same packages: the old repomd.xml is byte for byte the new one (not parsed)
    const kept = leftovers(b);
    await berth(['createrepo', '--revision', REVISION, b]);
    expect(leftovers(b)).toEqual(kept);
    expect(readdirSync(join(b, 'repodata')).sort()).toEqual([...before].sort());
    for (const d of [c, b]) cpSync(rpms[2]!, join(d, rpms[2]!.slice(rpms[2]!.lastIndexOf('/') + 1)));
    await createrepoC(c, ['--no-database', '--update']);
    await berth(['createrepo', '--update', '--revision', REVISION, b]);
    expect(leftovers(b)).toEqual(leftovers(c));
    expect(Object.keys(leftovers(b)).sort()).toEqual(Object.keys({ ...FOREIGN, 'extra/': '' }).sort());
    // the metadata of the first run was replaced, not kept
    const after = readdirSync(join(b, 'repodata'));
    expect(before.filter((f) => /^[0-9a-f]{64}-(primary|filelists|other)\.xml\.gz$/.test(f) && after.includes(f))).toEqual([]);
  });

  it('an unreadable old repomd.xml: only repomd.xml is replaced, every other file is kept, with a warning', async () => {
    const { c, b } = copies('garbled');
    for (const d of [c, b]) writeFileSync(join(d, 'repodata', 'repomd.xml'), 'not xml at all');
    await run(findTool('createrepo_c') ?? 'createrepo_c', ['-q', '--no-database', '--revision', REVISION, c], { allowFail: true });
    const r = await berth(['createrepo', '--revision', REVISION, b]);
    // each keeps every old entry but repomd.xml, except names it has just written itself (where
    // createrepo_c writes the same bytes as before, its new file takes the old one's name)
    const old = readdirSync(join(tree, 'repodata'), { recursive: true, withFileTypes: true })
      .map((e) => { const rel = join(e.parentPath, e.name).slice(join(tree, 'repodata').length + 1); return e.isDirectory() ? `${rel}/` : rel; })
      .filter((f) => f !== 'repomd.xml');
    for (const d of [c, b]) {
      const written = [...readFileSync(join(d, 'repodata', 'repomd.xml'), 'utf8').matchAll(/<location href="repodata\/([^"]+)"/g)].map((m) => m[1]!);
      expect(Object.keys(leftovers(d)).sort(), d).toEqual(old.filter((f) => !written.includes(f)).sort());
    }
    expect(Object.keys(leftovers(b)).some((f) => f.endsWith('primary.sqlite.bz2'))).toBe(true);
    expect(r.stderr).toMatch(/could not read the old repodata\/repomd\.xml/);
  });
});
