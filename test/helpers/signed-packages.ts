// Signed packages built here, for the tests that publish, verify and serve real signed RPMs:
// berth-signed 2:1.2.3-4.noarch (test/fixtures/specs/berth-signed.spec) built once with
// rpmbuild, then copied and signed with rpmsign by the test keyring's keys (gpg.ts). Every
// variant has the same main header (signing only changes the signature header), so two variants
// are "the same NEVRA, other bytes". Built once per test process; nothing is read from outside
// the repository.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { disposeTestKeyring, testKeyring, type TestKeyring } from './gpg.js';
import { rpmbuild, specBytes } from './rpmbuild.js';
import { findTool, skipReason } from './tools.js';

export const SIGNED_PACKAGE_TOOLS = ['rpmbuild', 'rpmsign', 'gpg'] as const;

/** Why signed packages cannot be built here, or null. */
export function signedPackagesReason(): string | null {
  return skipReason({ tools: SIGNED_PACKAGE_TOOLS });
}

export type SignedVariant = 'unsigned' | 'rsa-signed' | 'ed25519-signed' | 'rsa-v3v4-signed';
export const SIGNED_VARIANTS: readonly SignedVariant[] = ['unsigned', 'rsa-signed', 'ed25519-signed', 'rsa-v3v4-signed'];

export interface SignedPackages {
  dir: string;
  name: 'berth-signed';
  nevra: 'berth-signed-2:1.2.3-4.noarch';
  /** The file name every variant would be published under. */
  filename: 'berth-signed-1.2.3-4.noarch.rpm';
  /** Path of each variant (`rsa-v3v4-signed`: RSA header signature plus the rpm v3 header+payload one). */
  file: Record<SignedVariant, string>;
  keys: TestKeyring;
}

/** A fresh copy of a variant's bytes (safe to modify). */
export function bytesOf(p: SignedPackages, variant: SignedVariant): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(p.file[variant]));
}

let built: Promise<SignedPackages> | null = null;

async function sign(file: string, keys: TestKeyring, kind: 'rsa' | 'ed25519', v3: boolean): Promise<void> {
  const rpmsign = findTool('rpmsign');
  if (rpmsign === null) throw new Error('rpmsign not installed');
  await run(rpmsign, [
    '--addsign', ...(v3 ? ['--rpmv3'] : []),
    '--define', `_gpg_name ${keys[kind].fingerprint}`,
    '--define', `_gpg_path ${keys.home}`,
    // Debian's rpm macros call /usr/bin/gpg2, which does not exist there.
    '--define', `__gpg ${findTool('gpg') ?? '/usr/bin/gpg'}`,
    file,
  ], { env: keys.env });
}

async function build(): Promise<SignedPackages> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-signed-'));
  const keys = await testKeyring();
  const [unsigned] = await rpmbuild('berth-signed', specBytes('berth-signed'), join(dir, 'built'));
  if (unsigned === undefined) throw new Error('rpmbuild wrote no berth-signed package');
  const file = {} as Record<SignedVariant, string>;
  for (const v of SIGNED_VARIANTS) {
    file[v] = join(dir, `berth-signed-1.2.3-4.noarch.${v}.rpm`);
    copyFileSync(unsigned, file[v]);
  }
  await sign(file['rsa-signed'], keys, 'rsa', false);
  await sign(file['ed25519-signed'], keys, 'ed25519', false);
  await sign(file['rsa-v3v4-signed'], keys, 'rsa', true);
  return { dir, name: 'berth-signed', nevra: 'berth-signed-2:1.2.3-4.noarch', filename: 'berth-signed-1.2.3-4.noarch.rpm', file, keys };
}

/** The signed packages of this test process, built on first use. */
export function signedPackages(): Promise<SignedPackages> {
  built ??= build();
  return built;
}

/** Deletes the packages and the test keyring. Call from `afterAll` in files that use them. */
export async function disposeSignedPackages(): Promise<void> {
  const pending = built;
  built = null;
  const p = await pending?.catch(() => null);
  if (p) rmSync(p.dir, { recursive: true, force: true });
  await disposeTestKeyring();
}
