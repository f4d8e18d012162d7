/**
 * The logging contract every layer writes to; each runtime's adapter supplies one (JSON lines
 * on Node, the invocation context on Azure, console on Workers). Fields are never headers,
 * tokens or key material.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * The per-request access line, when the logger has a faster way to write it than `info`/`error`
   * with these fields as `msg: 'request'` (which is what it must produce, field for field).
   */
  access?(level: 'info' | 'error', line: AccessLine): void;
}

/** The access-log fields, in this order; never headers or tokens. */
export interface AccessLine {
  requestId: string | undefined;
  method: string;
  path: string;
  status: number;
  ms: number;
  principal: string;
}
