// Runs the Berth CLI as a separate process, exactly as a user would (`node bin/berth.js …`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './run.js';
import { repoRoot } from './tools.js';

/** True once the CLI entry point exists in this checkout. */
export function berthCliPresent(): boolean {
  return existsSync(join(repoRoot(), 'src', 'cli', 'main.ts')) && existsSync(join(repoRoot(), 'bin', 'berth.js'));
}

/** `node bin/berth.js <args>` on the Node running the tests (Node 24 under vitest). */
export function berth(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [join(repoRoot(), 'bin', 'berth.js'), ...args], { cwd: repoRoot(), ...opts });
}
