// Shared by the pgp tests: reading packages with the legacy H‖P hashes, corpus keys, keyrings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import type { RpmReadResult } from '../../../src/core/rpm/index.js';
import { Keyring } from '../../../src/core/pgp/keyring.js';
import { legacyHashAlgorithms } from '../../../src/core/pgp/verify-rpm.js';
import { corpusDir, sharedDir } from '../../helpers/tools.js';

export const corpus = corpusDir();
export const shared = sharedDir();
export const example = shared === null ? null : join(shared, 'docs', 'example');

export interface ManifestEntry {
  file: string;
  nevra: string | null;
  signatures: { pktver: number; pk: string; hash: string; keyid: string; fpr?: string; created: number; tag: string }[] | null;
  key_files: string[] | null;
  notes: string | null;
}

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(corpus as string, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

export function corpusFile(rel: string): string {
  return join(corpus as string, 'files', rel);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Reads a package from bytes, asking the reader for the H‖P hashes legacy signatures need. */
export function readBytes(bytes: Uint8Array): Promise<RpmReadResult> {
  return readRpm(once(bytes), nodePlatform, { headerPayloadHashes: legacyHashAlgorithms });
}

export function readFile(path: string): Promise<RpmReadResult> {
  return readBytes(new Uint8Array(readFileSync(path)));
}

/** A keyring from files (armored or binary). */
export async function keyringOf(files: readonly string[]): Promise<Keyring> {
  const kr = new Keyring();
  for (const f of files) {
    const bytes = readFileSync(f);
    await kr.add(bytes.includes('-----BEGIN PGP') ? bytes.toString('utf8') : new Uint8Array(bytes));
  }
  return kr;
}
