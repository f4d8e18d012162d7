#!/usr/bin/env node
// The `berth` command. Berth runs on Node 24. Started by any other Node (the system's Node 20,
// through `node bin/berth.js`, `npm link` or `npx berth`), this file starts the same command on
// the Node 24 that `npm ci` installs into node_modules (the `node` devDependency) and passes its
// exit status on; when there is none, it stops with one line saying how to get it.
//
// On Node 24 it runs, first found: for `berth createrepo`, the bundled command (dist/cli/, built
// by `npm run build` and `npm ci`) while it is fresh, i.e. built from the sources as they are now
// (bin/cli-bundle.js); else, in a source checkout with dev dependencies, the TypeScript sources through tsx, so what
// runs is always what is checked out (a stale build can never shadow a change); else (an install
// without tsx) the compiled CLI from dist/src/. Node's compile cache is on before any of them
// loads, so their compiled code is reused from the previous run.
//
// `berth serve` runs with V8 settings that can only be given on the command line (bin/serve-flags.js):
// when the start lacks them, this file starts itself again with them in the same process
// (`process.execve`: same pid, so a supervisor's signals and the exit status are the server's
// own, and nothing is left waiting), before it loads anything else. Where a process cannot
// replace itself (Windows), the server runs without them. `--workers` processes inherit them.
//
// Keep this file plain JavaScript that any Node ≥ 18 can parse: it is the one file the system
// Node reads.
//
// Node's built-ins are taken with `process.getBuiltinModule()` where there is one (Node ≥ 20.16):
// an `import` of `node:fs` makes a module facade that reads every export, which loads the
// fs promises and streams modules, milliseconds of every start that `berth createrepo` never uses.
const builtin = async (name) => process.getBuiltinModule?.(name) ?? (await import(name));
const { existsSync, readFileSync } = await builtin('node:fs');
const module = await builtin('node:module');
const { delimiter, dirname, join } = await builtin('node:path');
const { fileURLToPath, pathToFileURL } = await builtin('node:url');

const NODE_MAJOR = 24;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major === NODE_MAJOR) {
  await runHere();
} else {
  await relaunch();
}

async function runHere() {
  if (process.argv[2] === 'serve') await restartWithServeFlags();
  module.enableCompileCache();
  // loaded here, not at the top: the system Node reads this file alone
  const bundle = process.argv[2] === 'createrepo' ? (await import('./cli-bundle.js')).freshBundle(root) : null;
  if (bundle !== null) {
    await import(pathToFileURL(bundle).href);
    return;
  }
  const source = join(root, 'src', 'cli', 'main.ts');
  const tsx = join(root, 'node_modules', 'tsx', 'package.json');
  if (existsSync(source) && existsSync(tsx)) {
    // one process (signals reach the server directly); worker threads inherit the loader
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(source).href);
  } else {
    await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href);
  }
}

/** Replaces this process by the same command with the V8 flags `berth serve` lacks (if any). */
async function restartWithServeFlags() {
  const { serveFlagsToAdd } = await import('./serve-flags.js');
  const flags = serveFlagsToAdd(process.argv.slice(2), process.execArgv, process.env['NODE_OPTIONS']);
  if (flags.length === 0 || typeof process.execve !== 'function' || process.platform === 'win32') return;
  // does not return: the new image starts over with the flags, so this check finds none missing
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], process.env);
}

/** The Node 24 binary `npm ci` put into node_modules, or null. */
function projectNode() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const exe = process.platform === 'win32' ? 'node.exe' : join('bin', 'node');
  const arch = `node-${platform}-${process.arch}`;
  // the `node` package links its binary into bin/ at install; the per-platform package holds it
  const packages = [
    join(root, 'node_modules', 'node'),
    join(root, 'node_modules', 'node', 'node_modules', arch),
    join(root, 'node_modules', arch),
  ];
  for (const dir of packages) {
    const binary = join(dir, exe);
    if (!existsSync(binary)) continue;
    try {
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (Number(String(version).split('.')[0]) === NODE_MAJOR) return binary;
    } catch {
      // not a package we can read: try the next
    }
  }
  return null;
}

function stop(line) {
  process.stderr.write(`berth: ${line}\n`);
  process.exit(1);
}

async function relaunch() {
  const { spawn } = await import('node:child_process');
  const here = `this is Node ${process.version} (${process.execPath})`;
  // a relaunched child that is still not on Node 24 must not start another one
  if (process.env['BERTH_LAUNCHED'] === '1') stop(`needs Node ${NODE_MAJOR}, but ${here}`);
  const node = projectNode();
  if (node === null) {
    stop(`needs Node ${NODE_MAJOR}, but ${here} and ${join(root, 'node_modules')} holds none: run 'npm ci' in ${root} (it installs Node ${NODE_MAJOR} there), or put Node ${NODE_MAJOR} first on PATH`);
  }
  const env = { ...process.env, BERTH_LAUNCHED: '1', PATH: `${dirname(node)}${delimiter}${process.env['PATH'] ?? ''}` };
  // started with them at once: the child would otherwise replace itself to add them
  const { serveFlagsToAdd } = await import('./serve-flags.js');
  const flags = serveFlagsToAdd(process.argv.slice(2), process.execArgv, process.env['NODE_OPTIONS']);
  const child = spawn(node, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Pass a supervisor's signals on. Ctrl-C in a terminal reaches the child directly (it is in the
  // same process group), so SIGINT is passed on only when no terminal is attached: a second
  // SIGINT would cut `berth serve`'s graceful shutdown short.
  const terminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  const handlers = new Map();
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']) {
    const handler = () => {
      if (signal !== 'SIGINT' || !terminal) child.kill(signal);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  child.on('error', (err) => stop(`cannot start ${node}: ${err.message}`));
  child.on('exit', (code, signal) => {
    for (const [s, handler] of handlers) process.off(s, handler);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
