/**
 * The README's settings table, generated from the schema (test/settings/readme-table.test.ts
 * compares it with README.md and rewrites it on request), so the documentation cannot drift.
 */
import { SETTING_DOCS, settingsSchema, type Runtime, type SettingName } from './schema.js';

const RUNTIME_LABEL: Record<Runtime, string> = { node: 'serve', functions: 'Functions', worker: 'Worker' };

export function settingsTable(): string {
  const rows = ['| setting | read by | default | meaning |', '|---|---|---|---|'];
  for (const name of Object.keys(settingsSchema.shape) as SettingName[]) {
    const doc = SETTING_DOCS[name];
    const runtimes = doc.runtimes.length === 3 ? 'all' : doc.runtimes.map((r) => RUNTIME_LABEL[r]).join(', ');
    const required = !doc.required?.length ? ''
      : doc.required.length === doc.runtimes.length ? ' (required)' : ` (required on ${doc.required.map((r) => RUNTIME_LABEL[r]).join(', ')})`;
    const formerly = doc.formerly?.length
      ? ` Formerly ${doc.formerly.map((f) => `\`${f}\``).join(', ')}: still read, with a warning, until the next release.`
      : '';
    const secret = doc.secret ? ' Secret: never logged.' : '';
    rows.push(`| \`${name}\` | ${runtimes}${required} | ${doc.shownDefault === undefined ? '—' : `\`${doc.shownDefault}\``} | ${doc.meaning.replace(/\|/g, '\\|')}.${formerly}${secret} |`);
  }
  return rows.join('\n');
}
