/**
 * The browse pages of a 50,000-package repo: no page over 100 KB, and each page reads only the
 * index segments it shows (counted on a store that sees every call, with a cold index cache),
 * never the whole index. A package with huge lists and a huge description is clipped to fit.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';
import { packagePlacement } from '../../src/repo/index-entry.js';
import { updateIndex } from '../../src/repo/index-store.js';
import { writeFragmentFile } from '../../src/repo/package-fragments.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { bearer, OPERATOR_TOKEN, testService, type TestService } from './admin-app.js';

const N = 50_000;
const HTML = { accept: 'text/html', ...bearer(OPERATOR_TOKEN) };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A store wrapper counting reads of index segments (a new object: the index cache starts cold). */
function counting(store: BlobStore): BlobStore & { segmentReads: number } {
  const out = Object.create(store) as BlobStore & { segmentReads: number };
  out.segmentReads = 0;
  out.get = (key, opts) => {
    if (key.includes('/index/segments/')) out.segmentReads++;
    return store.get(key, opts);
  };
  return out;
}

function entry(i: number): IndexEntry {
  // 5,000 under p (python3-…), the rest spread over the alphabet; some capitals
  const letter = LETTERS[i % 26]!;
  const name = i < 5000 ? `python3-mod${i}` : `${i % 7 === 0 ? letter.toUpperCase() : letter}lib${i}`;
  const pkg = { name, version: `${1 + (i % 9)}.${i % 13}`, release: `${i % 5}.el9`, arch: i % 3 === 0 ? 'noarch' : 'x86_64' };
  return {
    sha256: createHash('sha256').update(`pkg ${i}`).digest('hex'), ...pkg, epoch: i % 11 === 0 ? 1 : 0,
    ...packagePlacement(pkg), size: 1000 + i, addedAt: 1_700_000_000 + i, signer: null,
  };
}

let svc: TestService;
let hugeSha: string;

beforeAll(async () => {
  svc = await testService();
  const now = new Date();
  await createTenant(svc.store, 'big', now);
  await createRepo(svc.store, { tenant: 'big', name: 'repo', public: true, allowUnsigned: true }, now);
  const packages = Array.from({ length: N }, (_, i) => entry(i));
  await updateIndex(svc.store, 'big', 'repo', () => now, () => ({ next: { revision: 0, updatedAt: 0, packages }, result: null }));
  // one package with everything too long: 100,000 files, 3,000 requires full of quotes, a 1 MB description
  const huge = packages[7]!;
  hugeSha = huge.sha256;
  const q = '"&<'.repeat(100);
  const requires = Array.from({ length: 3000 }, (_, i) => `<rpm:entry name="dep${i}${q.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}"/>`).join('');
  const files = Array.from({ length: 100_000 }, (_, i) => `<file>/usr/share/huge/${'d'.repeat(80)}/file-${i}</file>`).join('');
  await writeFragmentFile(svc.store, 'big', 'repo', {
    sha256: huge.sha256, location: huge.location, addedAt: huge.addedAt,
    primary: `<package type="rpm"><name>${huge.name}</name><summary>${'&quot;'.repeat(5000)}</summary><description>${'&lt;'.repeat(1_000_000)}</description><format><rpm:requires>${requires}</rpm:requires></format></package>`,
    filelists: `<package pkgid="${huge.sha256}" name="${huge.name}" arch="${huge.arch}">${files}</package>`,
    other: `<package pkgid="${huge.sha256}" name="${huge.name}" arch="${huge.arch}">${Array.from({ length: 10 }, (_, i) => `<changelog author="a${i}" date="${1_700_000_000 + i}">${'&amp;'.repeat(50_000)}</changelog>`).join('')}</package>`,
  });
}, 120_000);

async function page(path: string): Promise<{ status: number; bytes: number; text: string; segmentReads: number }> {
  const store = counting(svc.store);
  const app = createApp({ ...svc.deps, store });
  const res = await app.request(path, { headers: HTML });
  const text = await res.text();
  return { status: res.status, bytes: new TextEncoder().encode(text).length, text, segmentReads: store.segmentReads };
}

const LIMIT = 100 * 1024;
const nextHref = (text: string): string | undefined => /<a href="([^"]+)" rel="next">/.exec(text)?.[1]?.replace(/&amp;/g, '&');

describe(`browse pages of a ${N.toLocaleString('en')}-package repo`, () => {
  it('the repo page, the first, a middle and a searched package list stay under 100 KB and read at most two segments', async () => {
    for (const path of ['/big/repo/', '/big/repo/-/packages', '/big/repo/-/packages?q=python3-mod4', '/big/repo/-/packages?q=m', '/big/repo/-/packages?q=zzz']) {
      const p = await page(path);
      expect(p.status, path).toBe(200);
      expect(p.bytes, path).toBeLessThan(LIMIT);
      expect(p.segmentReads, path).toBeLessThanOrEqual(2);
    }
    const first = await page('/big/repo/-/packages?q=python3-mod4');
    expect((first.text.match(/<tr><td><a/g) ?? []).length).toBe(100);
  });

  it('follows next-page links through a search without repeating or skipping a package', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/big/repo/-/packages?q=python3-mod1';
    for (let i = 0; path && i < 20; i++) {
      const p = await page(path);
      expect(p.bytes).toBeLessThan(LIMIT);
      expect(p.segmentReads).toBeLessThanOrEqual(3);
      seen.push(...[...p.text.matchAll(/-\/packages\/[0-9a-f]{64}">(python3-mod\d+)</g)].map((m) => m[1]!));
      path = nextHref(p.text);
    }
    const want = Array.from({ length: 5000 }, (_, i) => `python3-mod${i}`).filter((n) => n.startsWith('python3-mod1')).sort();
    expect(seen).toEqual(want);
  });

  it('a page deep in the list costs what the first does (key-based paging, no offset scan)', async () => {
    const deep = await page(`/big/repo/-/packages?after=${encodeURIComponent(entry(40_000).location)}`);
    expect(deep.status).toBe(200);
    expect(deep.bytes).toBeLessThan(LIMIT);
    expect(deep.segmentReads).toBeLessThanOrEqual(2);
  });

  it('directory listings stay under 100 KB; Packages/ itself reads a segment per letter at most', async () => {
    const top = await page('/big/repo/Packages/');
    expect(top.bytes).toBeLessThan(LIMIT);
    for (const l of LETTERS) expect(top.text).toContain(`href="${l}/"`);
    expect(top.segmentReads).toBeLessThanOrEqual(2 * 26 + 2);
    const p = await page('/big/repo/Packages/p/');
    expect(p.bytes).toBeLessThan(LIMIT);
    expect(p.segmentReads).toBeLessThanOrEqual(16);
    expect(nextHref(p.text)).toBeDefined();
    // upper- and lower-case file names share the directory: the capitals sort first
    let x = await page('/big/repo/Packages/x/');
    expect(x.text).toMatch(/>Xlib\d+-/);
    for (let i = 0; i < 5 && !/>xlib\d+-/.test(x.text); i++) x = await page(`/big/repo/Packages/x/${nextHref(x.text)!}`);
    expect(x.text).toMatch(/>xlib\d+-/);
  });

  it('a package with 100,000 files, 3,000 long requires and a 1 MB description still fits in 100 KB', async () => {
    const p = await page(`/big/repo/-/packages/${hugeSha}`);
    expect(p.status).toBe(200);
    expect(p.bytes).toBeLessThan(LIMIT);
    expect(p.text).toContain('Files <span class="muted">(100000)</span>');
    expect(p.text).toContain('Requires <span class="muted">(3000)</span>');
    expect(p.text).toContain('/usr/share/huge/');
    for (const list of ['files', 'requires', 'changelog']) {
      const sub = await page(`/big/repo/-/packages/${hugeSha}/${list}?page=3`);
      expect(sub.status, list).toBe(200);
      expect(sub.bytes, list).toBeLessThan(LIMIT);
    }
    expect((await page(`/big/repo/-/packages/${hugeSha}/files?page=3`)).text).toContain('file-1000<');
  });
});
