/**
 * The 96-byte lead (formats.md §1.1). Only the magic and the major version matter: every real
 * fact lives in the headers, and rpm itself checks nothing else.
 */
import { fail } from './errors.js';

export const LEAD_SIZE = 96;

export interface Lead {
  /** 3 for v3/v4 packages, 4 for v6 packages. */
  major: number;
}

/** The lead at `at` in `bytes` (96 bytes there, checked by the caller). */
export function parseLead(bytes: Uint8Array, at = 0): Lead {
  if (bytes[at] !== 0xed || bytes[at + 1] !== 0xab || bytes[at + 2] !== 0xee || bytes[at + 3] !== 0xdb) {
    fail('rpm.bad-magic', 'not an RPM package: lead magic ED AB EE DB missing');
  }
  const major = bytes[at + 4] ?? 0;
  if (major !== 3 && major !== 4) {
    fail('rpm.lead.version', `unsupported RPM lead version ${major} (expected 3 or 4)`);
  }
  return { major };
}
