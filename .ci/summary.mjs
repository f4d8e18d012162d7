/* global process, console */
// Prints one plain line, "N passed, N failed, N skipped", from vitest's JSON report, because CI
// harnesses read that rather than vitest's own summary. Exits 1 when anything failed or the
// report is missing (a crashed run must not look green).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log('0 passed, 1 failed, 0 skipped');
  console.error(`summary: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

const passed = report.numPassedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A file that fails to load has no failed tests but a failed suite: count it, or it would vanish.
const brokenFiles = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).every((a) => a.status !== 'failed'),
);
const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
for (const r of brokenFiles) console.error(`summary: ${r.name}: ${(r.message ?? 'failed to run').split('\n')[0]}`);

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
