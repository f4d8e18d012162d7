// Runs createrepo_c and `berth createrepo` on identical copies of a package tree.
import { cpSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { berth } from '../helpers/berth.js';
import { readRepo, type ParsedRepo } from '../helpers/repodata.js';
import { run } from '../helpers/run.js';
import { findTool } from '../helpers/tools.js';

export const REVISION = '1700000000';
export const MTIME = 1_700_000_000;

/** Gives every file under `dir` the same mtime, so `<time file>` cannot differ by accident. */
export function setMtimes(dir: string, mtime = MTIME): void {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) utimesSync(join(e.parentPath, e.name), mtime, mtime);
  }
}

export interface BothResult {
  c: ParsedRepo;
  b: ParsedRepo;
  cDir: string;
  bDir: string;
  berthExit: number;
  berthStderr: string;
}

export async function createrepoC(dir: string, args: readonly string[] = []): Promise<ParsedRepo> {
  await run(findTool('createrepo_c') ?? 'createrepo_c', ['--no-database', '--revision', REVISION, ...args, dir]);
  return readRepo(dir);
}

/** `berth createrepo`; its exit status is returned for the caller to judge (createrepo_c exits 0 after rejecting a package). */
export async function berthCreaterepo(dir: string, args: readonly string[] = []): Promise<{ repo: ParsedRepo; code: number; stdout: string; stderr: string }> {
  const r = await berth(['createrepo', '--revision', REVISION, ...args, dir], { allowFail: true });
  try {
    return { repo: readRepo(dir), code: r.code, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    throw new Error(`berth createrepo (exit ${r.code}) left no readable repodata: ${String(e)}\n${r.stderr}`, { cause: e });
  }
}

/**
 * Copies `tree` to `<work>/<name>-createrepo_c` and `<work>/<name>-berth` (same mtimes) and runs
 * each tool on its copy with the same extra arguments.
 */
export async function generateBoth(work: string, tree: string, name: string, cArgs: readonly string[] = [], bArgs: readonly string[] = cArgs): Promise<BothResult> {
  const cDir = join(work, `${name}-createrepo_c`);
  const bDir = join(work, `${name}-berth`);
  for (const d of [cDir, bDir]) {
    cpSync(tree, d, { recursive: true });
    setMtimes(d);
  }
  const c = await createrepoC(cDir, cArgs);
  const b = await berthCreaterepo(bDir, bArgs);
  return { c, b: b.repo, cDir, bDir, berthExit: b.code, berthStderr: b.stderr };
}
