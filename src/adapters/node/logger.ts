/** The Node logger: one JSON object per line on stderr (stdout stays for what the user asked for). */
import type { Logger } from '../../http/deps.js';

type Level = 'info' | 'warn' | 'error';

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const log = (level: Level) => (msg: string, fields: Record<string, unknown> = {}): void => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      entry[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
