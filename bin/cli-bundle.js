// The bundled `berth createrepo` (dist/cli/, made by bin/build-cli.js): the ~50 source modules
// that command runs as a few ES modules, so that it does not spend its time resolving, reading
// and compiling modules (it is measured against createrepo_c, start-up included). bin/berth.js
// runs it for `berth createrepo` only while it is fresh; the other commands run as before.
//
// Fresh means: every source file the bundle was built from still has the modification time and
// size it had when the build read it (inputs.json, written by the build). Any edit, checkout,
// rename or deletion of one of them makes the bundle stale, and the launcher then runs the
// sources instead (as it would without a bundle) until the next `npm run build`. An install that
// ships no sources (no src/cli/main.ts) has nothing to be stale against: its bundle is used.
//
// Plain JavaScript that any Node ≥ 18 can parse, like bin/berth.js.
// Built-ins as in bin/berth.js: no module facade where Node has `process.getBuiltinModule()`.
const builtin = async (name) => process.getBuiltinModule?.(name) ?? (await import(name));
const { existsSync, readFileSync, statSync } = await builtin('node:fs');
const { join } = await builtin('node:path');

/** Where the bundle is built, relative to the checkout. */
export const BUNDLE_DIR = join('dist', 'cli');
/** The manifest of the bundle's inputs, in the bundle's directory. */
export const MANIFEST = 'inputs.json';

/**
 * The bundle's entry module under `root` when it is fresh, else null (no bundle, an unreadable
 * manifest, or a changed, moved or deleted input).
 */
export function freshBundle(root, dir = join(root, BUNDLE_DIR)) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
  const entry = join(dir, 'createrepo.js');
  if (manifest === null || typeof manifest.inputs !== 'object' || manifest.inputs === null || !existsSync(entry)) return null;
  if (!existsSync(join(root, 'src', 'cli', 'main.ts'))) return entry;
  // paths joined by hand: path.join costs ~1 ms of CPU here on a cold start (57 inputs)
  const prefix = `${root}/`;
  for (const file in manifest.inputs) {
    const recorded = manifest.inputs[file];
    if (!Array.isArray(recorded)) return null;
    const s = statSync(prefix + file, { throwIfNoEntry: false });
    if (s === undefined || s.mtimeMs !== recorded[0] || s.size !== recorded[1]) return null;
  }
  return entry;
}
