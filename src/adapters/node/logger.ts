/** The Node logger: one JSON object per line on stderr (stdout stays for what the user asked for). */
import type { AccessLine, Logger } from '../../core/logger.js';

type Level = 'info' | 'warn' | 'error';

/**
 * stderr, written once per event-loop turn: on Linux every stderr write is a synchronous
 * write(2), so under load one call now carries the lines of many requests (nginx's
 * `access_log … buffer=` in spirit, but never held past the current turn). Flushed on exit.
 */
export function coalescedStderr(maxBytes = 64 * 1024): (line: string) => void {
  let pending = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === '') return;
    const out = pending;
    pending = '';
    process.stderr.write(out);
  };
  process.once('exit', flush);
  return (line) => {
    pending += line;
    if (pending.length >= maxBytes) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/** Characters JSON.stringify would escape (quote, backslash, controls, lone surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal, as JSON.stringify writes it; the common plain case without it. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

export function jsonLogger(write: (line: string) => void = coalescedStderr()): Logger {
  // One timestamp string per millisecond: a busy server logs many lines in the same one.
  let lastMs = -1;
  let lastIso = '';
  const now = (): string => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
  const log = (level: Level) => (msg: string, fields: Record<string, unknown> = {}): void => {
    now();
    // JSON.stringify drops undefined values itself; only Errors need converting.
    const entry: Record<string, unknown> = { time: lastIso, level, msg, ...fields };
    for (const k in fields) {
      const v = fields[k];
      if (v instanceof Error) entry[k] = { name: v.name, message: v.message, code: (v as { code?: unknown }).code };
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  // The access line as a template: the same text `info('request', line)` writes (the tests
  // compare them), without the spread object and the generic JSON.stringify walk.
  const access = (level: 'info' | 'error', l: AccessLine): void => {
    const id = l.requestId === undefined ? '' : `"requestId":${jsonString(l.requestId)},`;
    write(
      `{"time":"${now()}","level":"${level}","msg":"request",${id}"method":${jsonString(l.method)},` +
        `"path":${jsonString(l.path)},"status":${JSON.stringify(l.status)},"ms":${JSON.stringify(l.ms)},` +
        `"principal":${jsonString(l.principal)}}\n`,
    );
  };
  return { info: log('info'), warn: log('warn'), error: log('error'), access };
}
