/**
 * One JSON object per line through `console`: the Functions Node worker forwards console output
 * to the host (and Application Insights traces) with the matching severity.
 */
import type { Logger } from '../../core/logger.js';

export function consoleLogger(out: Pick<Console, 'info' | 'warn' | 'error'> = console): Logger {
  const log = (level: 'info' | 'warn' | 'error') => (msg: string, fields: Record<string, unknown> = {}): void => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      entry[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
    }
    out[level](JSON.stringify(entry));
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
