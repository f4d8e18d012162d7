/**
 * Signed synthetic packages for the scale bench: synth-repo's packages with an OpenPGP header
 * signature (tag 268) by one Ed25519 key (gpg 2.4's default kind), so publishing them goes through
 * the same verification as a real signed package. Written once into a directory and reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { bin } from '../../test/core/rpm/build-rpm.js';
import { sealRpm, synthParts } from './synth-repo.js';

export interface BenchKey {
  privateKey: openpgp.PrivateKey;
  /** Armored public key file (for `berth key add`). */
  publicFile: string;
}

/** The bench's signing key, made once under `dir`. */
export async function benchKey(dir: string): Promise<BenchKey> {
  await mkdir(dir, { recursive: true });
  const priv = join(dir, 'bench-key.asc');
  const pub = join(dir, 'bench-key.pub.asc');
  if (!existsSync(priv)) {
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', userIDs: [{ name: 'Berth Bench', email: 'bench@example.test' }], format: 'armored' });
    await writeFile(priv, privateKey);
    await writeFile(pub, publicKey);
  }
  return { privateKey: await openpgp.readPrivateKey({ armoredKey: await readFile(priv, 'utf8') }), publicFile: pub };
}

export function signedFileName(i: number): string {
  return `bench-pkg-${String(i).padStart(6, '0')}.x86_64.rpm`;
}

/** Package `i`, signed (header-only signature, as rpmsign makes). */
export async function signedPackage(i: number, key: BenchKey, opts: { padBytes?: number } = {}): Promise<Uint8Array> {
  const p = synthParts(i, opts);
  const message = await openpgp.createMessage({ binary: p.main });
  const sig = await openpgp.sign({ message, signingKeys: key.privateKey, detached: true, format: 'binary' });
  return sealRpm(p.main, p.payload, p.payloadSize, { 268: bin(sig as Uint8Array) });
}

/** Files of packages from..to-1 in `dir` (made once, kept), in order. */
export async function signedPackages(dir: string, from: number, to: number, key: BenchKey): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const pending: Promise<void>[] = [];
  for (let i = from; i < to; i++) {
    const file = join(dir, signedFileName(i));
    files.push(file);
    if (existsSync(file)) continue;
    pending.push(signedPackage(i, key).then((bytes) => writeFile(file, bytes)));
    if (pending.length >= 32) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return files;
}
