/** Why a mirror run failed. `code` is stable (docs/mirror.md lists them); nothing was published. */
import { BerthError } from '../core/errors.js';

export class MirrorError extends BerthError {
  override name = 'MirrorError';
  constructor(
    code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code, message);
  }
}
