/**
 * Reading the settings one runtime uses from where that runtime keeps them: `process.env` for
 * `berth serve` and Azure Functions (app settings arrive as environment variables), the Worker's
 * `env` (wrangler vars may be JSON numbers; bindings are skipped). Empty values mean unset.
 *
 * Old names (SETTING_DOCS.formerly) are still read, each with a warning the caller logs at start;
 * the current name wins when both are set. Errors name the setting and echo a bad value only when
 * the setting is not secret. The operator credential is hashed here and dropped: nothing after
 * this point holds it.
 */
import { createHash } from 'node:crypto';
import { formerNames, SETTING_DOCS, settingsOf, settingsSchema, type Runtime, type SettingName, type Settings } from './schema.js';

export class SettingsError extends Error {
  override name = 'SettingsError';
  readonly code = 'invalid_config';
}

/** Everything a runtime reads, parsed, minus the operator credential (replaced by its hash). */
export type ServerSettings = Omit<Settings, 'BERTH_ADMIN_TOKEN' | 'BERTH_ADMIN_TOKEN_SHA256'>;

export interface LoadedSettings {
  values: ServerSettings;
  /** SHA-256 hex of the operator credential; null when neither BERTH_ADMIN_TOKEN nor …_SHA256 is set. */
  operatorTokenHash: string | null;
  /** Deprecation notices, to be logged once at start (they name settings, never values). */
  warnings: string[];
}

export interface LoadOptions {
  /** Values that win over the source (CLI flags), validated like the setting itself. */
  overrides?: Partial<Record<SettingName, string>>;
  /** First line of an error: `invalid configuration` (default), `invalid app settings`, … */
  label?: string;
}

/** The text of a source value; undefined when unset or empty; null when not text (a binding). */
function textOf(v: unknown): string | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function loadSettings(runtime: Runtime, source: Readonly<Record<string, unknown>>, options: LoadOptions = {}): LoadedSettings {
  const label = options.label ?? 'invalid configuration';
  const names = settingsOf(runtime);
  const input: Partial<Record<SettingName, string>> = {};
  /** The name each input value was given under (a former name, when that is what was set). */
  const givenAs = new Map<SettingName, string>();
  const problems: string[] = [];
  const warnings: string[] = [];
  const readable = new Set<string>(names);

  for (const name of names) {
    const v = textOf(source[name]);
    if (v === null) problems.push(`${name}: must be text`);
    else if (v !== undefined) input[name] = v;
  }
  for (const [old, current] of formerNames()) {
    if (!readable.has(current)) continue;
    const v = textOf(source[old]);
    if (v === undefined) continue;
    if (input[current] !== undefined) {
      warnings.push(`${old} is ignored: ${current} is set (${old} is a deprecated name of it and will stop being read in the next release)`);
      continue;
    }
    warnings.push(`${old} is deprecated and will stop being read in the next release: use ${current}`);
    if (v === null) problems.push(`${old}: must be text`);
    else {
      input[current] = v;
      givenAs.set(current, old);
    }
  }
  for (const [name, v] of Object.entries(options.overrides ?? {}) as [SettingName, string | undefined][]) {
    if (v === undefined) continue;
    input[name] = v;
    givenAs.delete(name);
  }
  for (const name of names) {
    if (input[name] === undefined && SETTING_DOCS[name].required?.includes(runtime)) problems.push(`${name}: missing setting`);
  }
  if (input.BERTH_ADMIN_TOKEN !== undefined && input.BERTH_ADMIN_TOKEN_SHA256 !== undefined) {
    problems.push('BERTH_ADMIN_TOKEN, BERTH_ADMIN_TOKEN_SHA256: set one of them, not both');
  }

  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?') as SettingName;
      const raw = input[name];
      const shown = SETTING_DOCS[name]?.secret || raw === undefined ? '' : ` (got ${JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw)})`;
      const as = givenAs.get(name);
      problems.push(`${as === undefined ? name : `${as} (deprecated name of ${name})`}: ${issue.message}${shown}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new SettingsError(`${label}:\n  ${problems.join('\n  ')}`);

  const { BERTH_ADMIN_TOKEN: token, BERTH_ADMIN_TOKEN_SHA256: sha256, ...values } = parsed.data;
  const operatorTokenHash = token !== undefined ? createHash('sha256').update(token, 'utf8').digest('hex') : sha256 ?? null;
  return { values, operatorTokenHash, warnings };
}
