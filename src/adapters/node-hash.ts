/** Incremental hashes from node:crypto: Node has it natively, workerd through `nodejs_compat`. */
import { createHash } from 'node:crypto';
import type { Hash, HashAlgorithm } from '../core/platform.js';

export function nodeCryptoHash(algorithm: HashAlgorithm): Hash {
  const h = createHash(algorithm);
  return {
    update: (data) => void h.update(data),
    digest: () => new Uint8Array(h.digest()),
  };
}
