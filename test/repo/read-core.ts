import { nodePlatform } from '../../src/adapters/node/platform.js';
import { readRpm } from '../../src/core/rpm/index.js';
import type { RpmReadResult } from '../../src/core/rpm/index.js';

export async function readCore(bytes: Uint8Array): Promise<RpmReadResult> {
  return readRpm((async function* () { yield bytes; })(), nodePlatform);
}
