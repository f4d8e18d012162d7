// Shared by the pgp tests: reading packages with the legacy H‖P hashes, corpus keys, keyrings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import type { RpmReadResult } from '../../../src/core/rpm/index.js';
import { Keyring } from '../../../src/core/pgp/keyring.js';
import { legacyHashAlgorithms } from '../../../src/core/pgp/verify-rpm.js';
import { corpusDir } from '../../helpers/tools.js';

export const corpus = corpusDir();

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

/** A v4 body: hashed/unhashed subpacket areas given as raw bytes, one 16-bit MPI. */
export function v4Body(o: { sigType?: number; pk?: number; hash?: number; hashed?: number[]; unhashed?: number[]; mpi?: number[] } = {}): number[] {
  const hashed = o.hashed ?? [];
  const unhashed = o.unhashed ?? [];
  const mpi = o.mpi ?? [0x80, 0x01];
  return [4, o.sigType ?? 0, o.pk ?? 1, o.hash ?? 8, hashed.length >> 8, hashed.length & 255, ...hashed,
    unhashed.length >> 8, unhashed.length & 255, ...unhashed, 0xab, 0xcd, 0, mpi.length * 8, ...mpi];
}
export const sub = (type: number, data: number[]): number[] => [data.length + 1, type, ...data];
export const ctime = (t = 1700000000): number[] => sub(2, [t >>> 24, (t >> 16) & 255, (t >> 8) & 255, t & 255]);
export const oldPacket = (body: number[]): Uint8Array => Uint8Array.from([0x89, body.length >> 8, body.length & 255, ...body]);
