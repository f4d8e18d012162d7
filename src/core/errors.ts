/**
 * Typed errors of the pure core. Each carries a stable `code` that the service maps to a JSON
 * problem (and the CLI prints); messages say what is wrong, never echo secrets.
 */
export class BerthError extends Error {
  override name = 'BerthError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  /** Works across realms and bundles, unlike instanceof (three runtimes share this code). */
  get isBerthError(): true {
    return true;
  }
}

/** The bytes are not a well-formed RPM package (or exceed a bound). */
export class RpmFormatError extends BerthError {
  override name = 'RpmFormatError';
}
