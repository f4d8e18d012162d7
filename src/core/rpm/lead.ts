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

export function parseLead(bytes: Uint8Array): Lead {
  if (bytes[0] !== 0xed || bytes[1] !== 0xab || bytes[2] !== 0xee || bytes[3] !== 0xdb) {
    fail('rpm.bad-magic', 'not an RPM package: lead magic ED AB EE DB missing');
  }
  const major = bytes[4] ?? 0;
  if (major !== 3 && major !== 4) {
    fail('rpm.lead.version', `unsupported RPM lead version ${major} (expected 3 or 4)`);
  }
  return { major };
}
