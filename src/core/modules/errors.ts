/** Why a modules.yaml was refused. `code` is stable; the message names the document and field, never quotes the content. */
import { BerthError } from '../errors.js';

export class ModulesError extends BerthError {
  override name = 'ModulesError';
  constructor(
    message: string,
    /** 1-based index of the YAML document, or null for the stream as a whole. */
    readonly document: number | null = null,
    /** Dotted path of the field in that document (`data.artifacts.rpms[2]`), or null. */
    readonly field: string | null = null,
  ) {
    super('invalid_modules', message);
  }
}

export const isModulesError = (e: unknown): e is ModulesError =>
  e instanceof ModulesError || (e as { name?: unknown } | null)?.name === 'ModulesError';
