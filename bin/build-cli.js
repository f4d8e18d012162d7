#!/usr/bin/env node
// Builds the bundled `berth createrepo` into dist/cli/ (see bin/cli-bundle.js for when it is used):
//
//   node bin/build-cli.js [--out DIR] [--if-available]
//
// esbuild bundles src/cli/createrepo-main.ts, the reader thread's entry and the I/O thread's
// each into one ES module, npm packages included: createrepo.js, worker.js and io-thread.js, in
// one directory, so that the threads are found next to the code that starts them (the I/O
// thread's holds none of the parsing code). One file per entry: every further file
// is one more module for Node to resolve, read and link at each start (a chunk shared by the
// entries, an npm package resolved through node_modules); what only some runs need (the
// repodata reader for --update and an old repomd.xml) is in the same file but runs only when
// imported. The build records the modification time and size of every file it read
// (inputs.json), taken before reading it: an edit made while it runs leaves the bundle stale,
// never wrong. The new bundle replaces the old one by a rename.
//
// `npm run build` and `npm ci` (the `prepare` script) run it. --if-available exits 0 with one
// line when esbuild is not installed (an install without dev dependencies), so that
// `npm ci --omit=dev` does not fail; `berth` then runs from the sources or dist/src.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR, MANIFEST } from './cli-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, 'if-available': { type: 'boolean', default: false } } });
const out = values.out === undefined ? join(root, BUNDLE_DIR) : resolve(values.out);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (e) {
  if (!values['if-available']) throw e;
  console.error('berth: esbuild is not installed (no dev dependencies): no bundled CLI, `berth` runs from dist/src or the sources');
  process.exit(0);
}

/** Path relative to the checkout, with forward slashes (the manifest's keys). */
const rel = (path) => relative(root, path).split(sep).join('/');

// Before esbuild reads anything: the state of every file it may read.
const before = new Map();
for (const file of [join(root, 'tsconfig.json'), fileURLToPath(import.meta.url)]) before.set(rel(file), statSync(file));
for (const e of readdirSync(join(root, 'src'), { withFileTypes: true, recursive: true })) {
  if (e.isFile()) {
    const file = join(e.parentPath, e.name);
    before.set(rel(file), statSync(file));
  }
}

/**
 * Files outside src/ (npm packages) are read here, each stated just before it is read, since
 * which of them the build reads is known only as it goes.
 */
const statBeforeReading = {
  name: 'stat-before-reading',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]/ }, (args) => {
      const key = rel(args.path);
      if (!before.has(key)) before.set(key, statSync(args.path));
      return { contents: readFileSync(args.path), loader: args.path.endsWith('.json') ? 'json' : 'js' };
    });
  },
};

/**
 * Node's built-in modules are taken with `process.getBuiltinModule()` instead of `import`: an
 * `import` of a built-in makes an ES module facade that reads every export, and reading one
 * that Node loads lazily loads it (`fs.promises`, `fs.ReadStream` and the streams behind them,
 * `crypto.webcrypto`): ~18 M instructions of start-up for modules createrepo never uses. Each
 * built-in becomes a small module exporting its plain data properties; a name Node defines by
 * a getter (a lazily loaded part) is left out, so importing one fails the build instead of
 * loading it behind the createrepo V8 settings' back (see src/cli/createrepo-main.ts).
 */
const builtinsDirect = {
  name: 'builtins-direct',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const mod = process.getBuiltinModule(args.path);
      const names = Object.getOwnPropertyNames(mod).filter(
        (k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && 'value' in Object.getOwnPropertyDescriptor(mod, k),
      );
      const id = JSON.stringify(args.path);
      return { contents: `const m = process.getBuiltinModule(${id});\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`, loader: 'js' };
    });
  },
};

const staging = `${out}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    createrepo: 'src/cli/createrepo-main.ts',
    worker: 'src/cli/createrepo/worker.ts',
    'io-thread': 'src/cli/createrepo/io-thread.ts',
  },
  outdir: staging,
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // inputs keep the paths they were found under (a linked src/ stays under the checkout)
  preserveSymlinks: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [statBeforeReading, builtinsDirect],
});

const inputs = {};
for (const input of Object.keys(result.metafile.inputs)) {
  // Node's built-ins (builtinsDirect): part of the Node that runs the bundle, not files
  if (input.startsWith('builtin:')) continue;
  const key = rel(isAbsolute(input) ? input : join(root, input));
  const s = before.get(key);
  // a file that appeared during the build: recorded as never matching, so the bundle is stale
  inputs[key] = s === undefined ? [0, -1] : [s.mtimeMs, s.size];
}
for (const key of ['tsconfig.json', rel(fileURLToPath(import.meta.url))]) {
  const s = before.get(key);
  inputs[key] = [s.mtimeMs, s.size];
}
writeFileSync(join(staging, MANIFEST), `${JSON.stringify({ inputs }, null, 1)}\n`);

// Swap: the old bundle is moved aside, the new one renamed into place, the old one removed.
const old = `${out}.old-${process.pid}`;
try {
  renameSync(out, old);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(staging, out);
rmSync(old, { recursive: true, force: true });
