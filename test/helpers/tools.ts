// Locating the repo, the third-party corpus and the Debian tools that some tests need. Tests
// skip (never fail) when a tool they need is absent, with a one-line reason. Everything else they
// need is built at test time; only the checks against the third-party corpus (real packages
// from other projects, which cannot be built here) need `../shared/corpus`.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Root of the Berth checkout (the directory holding package.json). */
export function repoRoot(): string {
  return resolve(here, '..', '..');
}

/** `../shared` beside the checkout, or null when it is not there. */
export function sharedDir(): string | null {
  const dir = resolve(repoRoot(), '..', 'shared');
  return existsSync(dir) ? dir : null;
}

/** The third-party corpus (`../shared/corpus`), or null when absent. */
export function corpusDir(): string | null {
  const shared = sharedDir();
  if (shared === null) return null;
  const dir = join(shared, 'corpus');
  return existsSync(join(dir, 'files')) ? dir : null;
}

/** Why the checks against the third-party corpus cannot run here, or null. */
export function corpusSkipReason(): string | null {
  return corpusDir() === null ? `third-party corpus absent (${resolve(repoRoot(), '..', 'shared', 'corpus')})` : null;
}

const toolCache = new Map<string, string | null>();

/** Absolute path of an executable found on PATH (plus sbin dirs, which non-root PATHs often lack). */
export function findTool(name: string): string | null {
  const cached = toolCache.get(name);
  if (cached !== undefined) return cached;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  let found: string | null = null;
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // not in this directory
    }
  }
  toolCache.set(name, found);
  return found;
}

export function hasTool(name: string): boolean {
  return findTool(name) !== null;
}

/** Names from `names` that are not installed. */
export function missingTools(names: readonly string[]): string[] {
  return names.filter((n) => !hasTool(n));
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Why a test that needs these tools cannot run here, or null when it can.
 * Use as `describe.skipIf(reason !== null)` and print the reason once.
 */
export function skipReason(opts: { tools?: readonly string[]; root?: boolean }): string | null {
  const missing = missingTools(opts.tools ?? []);
  if (missing.length > 0) return `missing tool(s): ${missing.join(', ')} (apt-get install them; see .ci/run)`;
  if (opts.root === true && !isRoot()) return 'needs root (dnf --installroot)';
  return null;
}

/** Logs the skip reason once so a skipped suite says why in the test output. */
export function announceSkip(suite: string, reason: string | null): void {
  if (reason !== null) console.warn(`[skip] ${suite}: ${reason}`);
}
