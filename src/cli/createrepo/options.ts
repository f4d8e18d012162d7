/**
 * The options of `berth createrepo` (node:util parseArgs), in one table: the command parses its
 * arguments with it, and io-prestart.ts reads it to find DIR before the command has loaded.
 */
import type { ParseArgsOptionsConfig } from 'node:util';

export const CREATEREPO_OPTIONS = {
  revision: { type: 'string' },
  compress: { type: 'string' },
  'general-compress-type': { type: 'string' },
  'changelog-limit': { type: 'string' },
  update: { type: 'boolean' },
  groupfile: { type: 'string', short: 'g' },
  workers: { type: 'string' },
  'io-thread': { type: 'boolean' },
  'no-io-thread': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  'no-database': { type: 'boolean' },
  database: { type: 'boolean' },
  'set-timestamp-to-revision': { type: 'boolean' },
  checksum: { type: 'string', short: 's' },
} as const satisfies ParseArgsOptionsConfig;

/** `--name` and `-x` of every option in `options` that takes a value (the next argument). */
export function valuedOptionNames(options: ParseArgsOptionsConfig): Set<string> {
  const names = new Set<string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.type !== 'string') continue;
    names.add(`--${name}`);
    if (option.short !== undefined) names.add(`-${option.short}`);
  }
  return names;
}
