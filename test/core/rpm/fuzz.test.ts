// Mutation fuzzing of the reader: whatever the bytes, readRpm resolves or rejects with an
// RpmFormatError, in bounded time and memory. Seeded, so a failure reproduces.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { RpmFormatError } from '../../../src/core/errors.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { mulberry32 } from '../../helpers/prng.js';
import { rpmbuild, specBytes } from '../../helpers/rpmbuild.js';
import { disposeSignedPackages, signedPackages, signedPackagesReason } from '../../helpers/signed-packages.js';
import { announceSkip, corpusDir, corpusSkipReason } from '../../helpers/tools.js';
import { chunks } from './support.js';

// Seeds: packages built here (a signed one with both signature kinds, a source one), plus two
// third-party ones (an RPM v6 package with several signatures, a complex el8 package) when the
// corpus is there.
const corpus = corpusDir();
const CORPUS_SEEDS = [
  'rpm-rs/tests/assets/RPMS/v6/signed/rpm-basic-multiple-signatures-2.3.4-5.el9.noarch.rpm',
  'pulp-fixtures/rpm-new/assets/packages/complex-package-2.3.4-5.el8.x86_64.rpm',
];
const files: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'berth-fuzz-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await disposeSignedPackages();
});
if (corpus === null) console.warn(`[note] readRpm fuzz: ${corpusSkipReason() ?? ''}: fuzzing the packages built here only`);

interface Layout {
  sigStart: number;
  sigIl: number;
  sigDl: number;
  mainStart: number;
  mainIl: number;
  mainDl: number;
  mainEnd: number;
}

function layout(b: Uint8Array): Layout {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const sigIl = v.getUint32(96 + 8);
  const sigDl = v.getUint32(96 + 12);
  const sigLen = 16 + 16 * sigIl + sigDl;
  const mainStart = 96 + sigLen + ((8 - (sigLen % 8)) % 8);
  const mainIl = v.getUint32(mainStart + 8);
  const mainDl = v.getUint32(mainStart + 12);
  return { sigStart: 96, sigIl, sigDl, mainStart, mainIl, mainDl, mainEnd: mainStart + 16 + 16 * mainIl + mainDl };
}

type Outcome = 'ok' | string;

async function attempt(bytes: Uint8Array, chunk: number): Promise<Outcome> {
  try {
    const r = await readRpm(chunks(bytes, chunk), nodePlatform);
    // A resolved read is internally consistent.
    if (r.computed.fileSize !== bytes.length) throw new Error('file size mismatch');
    if (r.pkg.headerEnd - r.pkg.headerStart !== r.header.length) throw new Error('header range mismatch');
    return 'ok';
  } catch (e) {
    if (e instanceof RpmFormatError && e.code.startsWith('rpm.') && e.message.length > 0) return e.code;
    throw e;
  }
}

const BOUNDARY_U32 = [0, 1, 2, 15, 16, 17, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0xfffff, 0x100000, 0x0fffffff, 0x10000000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

function mutate(orig: Uint8Array, l: Layout, rnd: () => number): Uint8Array {
  const b = orig.slice();
  const v = new DataView(b.buffer);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const headerBytes = l.mainEnd;
  const kind = Math.floor(rnd() * 6);
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    switch (kind) {
      case 0: { // bit flips anywhere in lead and headers
        const at = Math.floor(rnd() * headerBytes);
        b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
        break;
      }
      case 1: { // 0x00 / 0xFF bytes
        b[Math.floor(rnd() * headerBytes)] = rnd() < 0.5 ? 0 : 0xff;
        break;
      }
      case 2: { // boundary u32 into a field of a main-header index entry
        const entry = Math.floor(rnd() * l.mainIl);
        const field = Math.floor(rnd() * 4);
        const dl = l.mainDl;
        v.setUint32(l.mainStart + 16 + 16 * entry + 4 * field, pick([...BOUNDARY_U32, dl, dl - 1, dl + 1, (-16 * l.mainIl) >>> 0]) >>> 0);
        break;
      }
      case 3: { // same for the signature header
        const entry = Math.floor(rnd() * l.sigIl);
        const field = Math.floor(rnd() * 4);
        v.setUint32(l.sigStart + 16 + 16 * entry + 4 * field, pick([...BOUNDARY_U32, l.sigDl, l.sigDl + 1]) >>> 0);
        break;
      }
      case 4: { // absurd il / dl
        const at = pick([l.sigStart + 8, l.sigStart + 12, l.mainStart + 8, l.mainStart + 12]);
        v.setUint32(at, pick(BOUNDARY_U32) >>> 0);
        break;
      }
      default: { // random bytes over the region trailer and the store start
        const trailerish = l.mainEnd - 16 - Math.floor(rnd() * 64);
        b[Math.max(0, trailerish)] = Math.floor(rnd() * 256);
      }
    }
  }
  return b;
}

const reason = signedPackagesReason();
announceSkip('readRpm fuzz', reason);

describe.skipIf(reason !== null)('readRpm fuzz', () => {
  beforeAll(async () => {
    files.push((await signedPackages()).file['rsa-v3v4-signed']);
    const [src] = await rpmbuild('berth-files', specBytes('berth-files'), work, { mode: 'bs' });
    if (src === undefined) throw new Error('rpmbuild -bs wrote nothing');
    files.push(src);
    if (corpus !== null) files.push(...CORPUS_SEEDS.map((f) => join(corpus, 'files', f)).filter((f) => existsSync(f)));
  }, 120_000);

  it('truncation at every offset through the headers rejects with rpm.truncated; inside the payload it reads', async () => {
    for (const f of files.slice(0, 2)) {
      const bytes = new Uint8Array(readFileSync(f));
      const l = layout(bytes);
      for (let cut = 0; cut < Math.min(bytes.length, l.mainEnd + 8); cut++) {
        const outcome = await attempt(bytes.subarray(0, cut), 1 + (cut % 300));
        if (cut < l.mainEnd) expect(outcome, `${f} cut at ${cut}`).toBe('rpm.truncated');
        else expect(outcome, `${f} cut at ${cut}`).toBe('ok');
      }
    }
  });

  it('absurd sizes are refused before any allocation', async () => {
    const f = files[0] as string;
    const bytes = new Uint8Array(readFileSync(f));
    const l = layout(bytes);
    const set = (at: number, value: number): Uint8Array => {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(at, value);
      return b;
    };
    expect(await attempt(set(l.sigStart + 8, 0xffffffff), 4096)).toBe('rpm.header.too-large');
    expect(await attempt(set(l.sigStart + 12, 0xffffffff), 4096)).toBe('rpm.header.too-large');
    expect(await attempt(set(l.mainStart + 8, 0x10000), 4096)).toBe('rpm.header.too-large');
    expect(await attempt(set(l.mainStart + 12, 0x0fffffff), 4096)).toBe('rpm.header.too-large');
    expect(await attempt(set(l.mainStart + 8, 0), 4096)).toBe('rpm.header.empty');
    // Within the caps but beyond the file: the reader waits for bytes that never come.
    expect(await attempt(set(l.mainStart + 12, 0x00ffffff), 4096)).toBe('rpm.truncated');
    expect(await attempt(set(0, 0), 4096)).toBe('rpm.bad-magic');
    expect(await attempt(set(l.mainStart, 0), 4096)).toBe('rpm.header.bad-magic');
  });

  it('random mutations: resolve or RpmFormatError, bounded time and heap', async () => {
    const rnd = mulberry32(0x5eed1234);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const started = performance.now();
    const codes = new Map<Outcome, number>();
    const perFile = 5000;
    for (const f of files) {
      const orig = new Uint8Array(readFileSync(f));
      const l = layout(orig);
      for (let i = 0; i < perFile; i++) {
        const mutated = mutate(orig, l, rnd);
        const outcome = await attempt(mutated, 1 + Math.floor(rnd() * 2048));
        codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
        if (i % 250 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(15_000);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
    // The mutations reach many distinct checks, and some still parse (e.g. flips in strings).
    expect(codes.get('ok') ?? 0).toBeGreaterThan(0);
    expect([...codes.keys()].filter((c) => c !== 'ok').length).toBeGreaterThanOrEqual(8);
    console.log(`fuzz: ${files.length * perFile} inputs in ${Math.round(elapsed)} ms`, Object.fromEntries(codes));
  });
});
