// createrepo --update over old metadata the byte scanner does not accept, or that is broken: the
// output is always byte-identical to a fresh run. Well-formed metadata outside the scanner's
// subset is read by the full repodata reader from where the scanner stopped (every package still
// reused); broken metadata ends the walk, and the packages after that point are read again.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createrepo } from '../../src/cli/createrepo/run.js';
import { syntheticRpm } from '../repo/support.js';

const NAMES = ['a', 'b', 'c', 'd'];
const opts = { codec: 'gz' as const, changelogLimit: 10, update: true, revision: '7' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A repository of NAMES with its metadata, and a copy of the same packages (same mtimes) for a fresh run. */
async function repos(): Promise<{ root: string; fresh: string }> {
  const root = mkdtempSync(join(tmpdir(), 'berth-broken-'));
  const fresh = mkdtempSync(join(tmpdir(), 'berth-broken-fresh-'));
  dirs.push(root, fresh);
  for (const n of NAMES) {
    const file = `${n}-1.0-1.noarch.rpm`;
    writeFileSync(join(root, file), syntheticRpm(n));
    writeFileSync(join(fresh, file), readFileSync(join(root, file)));
    utimesSync(join(fresh, file), statSync(join(root, file)).atime, statSync(join(root, file)).mtime);
  }
  await createrepo(root, nodePlatform, opts);
  await createrepo(fresh, nodePlatform, { ...opts, update: false });
  return { root, fresh };
}

/** Rewrites the old `kind` metadata file's text in place (its name, and repomd.xml, unchanged). */
function edit(root: string, kind: string, change: (text: string) => string | Buffer): void {
  const dir = join(root, 'repodata');
  const file = join(dir, readdirSync(dir).find((f) => f.includes(`-${kind}.xml.`))!);
  const out = change(gunzipSync(readFileSync(file)).toString('utf8'));
  writeFileSync(file, typeof out === 'string' ? gzipSync(out) : out);
}

const repodata = (dir: string) => Object.fromEntries(readdirSync(join(dir, 'repodata')).sort().map((f) => [f, readFileSync(join(dir, 'repodata', f)).toString('base64')]));
/** Where the second package's element begins in a metadata text. */
const second = (text: string): number => text.indexOf('<package ', text.indexOf('<package ') + 1);
/** The metadata files of `dir` by kind, decompressed. */
const texts = (dir: string) => Object.fromEntries(readdirSync(join(dir, 'repodata')).filter((f) => f.endsWith('.gz')).map((f) => [/-(\w+)\.xml/.exec(f)![1], gunzipSync(readFileSync(join(dir, 'repodata', f))).toString('utf8')]));

describe('createrepo --update over old metadata outside the fast path', () => {
  it('a comment inside a package: the full reader takes over there, every package is still reused verbatim', async () => {
    const { root, fresh } = await repos();
    const comment = (t: string): string => `${t.slice(0, second(t))}<package${t.slice(second(t) + 8).replace('>', '><!-- a comment -->')}`;
    edit(root, 'filelists', comment);
    expect(await createrepo(root, nodePlatform, opts)).toMatchObject({ packages: 4, reused: 4 });
    const [now, then] = [texts(root), texts(fresh)];
    expect(now['filelists']).toBe(comment(then['filelists']!));
    expect([now['primary'], now['other']]).toEqual([then['primary'], then['other']]);
  });

  it('an undeclared entity in the second package of other.xml: the first is reused, the rest read again', async () => {
    const { root, fresh } = await repos();
    edit(root, 'other', (t) => `${t.slice(0, second(t))}<package${t.slice(second(t) + 8).replace('>', '>&bogus;')}`);
    expect(await createrepo(root, nodePlatform, opts)).toMatchObject({ packages: 4, reused: 1 });
    expect(repodata(root)).toEqual(repodata(fresh));
  });

  it('a truncated primary.xml: the packages before the cut are reused, the rest read again', async () => {
    const { root, fresh } = await repos();
    edit(root, 'primary', (t) => t.slice(0, second(t) + 20));
    expect(await createrepo(root, nodePlatform, opts)).toMatchObject({ packages: 4, reused: 1 });
    expect(repodata(root)).toEqual(repodata(fresh));
  });

  it('corrupt compressed data: nothing is reused, every package is read again', async () => {
    const { root, fresh } = await repos();
    edit(root, 'filelists', () => Buffer.from('\x1f\x8b\x08\x00garbage that is not deflate data at all'));
    expect(await createrepo(root, nodePlatform, opts)).toMatchObject({ packages: 4, reused: 0 });
    expect(repodata(root)).toEqual(repodata(fresh));
  });

  it('an index hint that disagrees with the checked element is not trusted', async () => {
    const { root, fresh } = await repos();
    edit(root, 'primary', (t) => {
      const b = /<time file="(\d+)"([^>]*>\s*<size package="(\d+)"[^>]*>\s*<location href="b-1\.0-1\.noarch\.rpm")/.exec(t)!;
      const [time, size] = [Number(b[1]), b[3]];
      // b's element says another mtime; an element the pattern index reads (but the checked walk
      // skips: not a <package>) says b's true one, so the index calls b unchanged
      const changed = t.replace(b[0], `<time file="${time + 1}"${b[2]}`);
      const d = changed.lastIndexOf('<package ');
      return `${changed.slice(0, d)}<x><time file="${time}"/><size package="${size}"/><location href="b-1.0-1.noarch.rpm"/></x>\n${changed.slice(d)}`;
    });
    expect(await createrepo(root, nodePlatform, opts)).toMatchObject({ packages: 4, reused: 3 });
    expect(repodata(root)).toEqual(repodata(fresh));
  });
});
