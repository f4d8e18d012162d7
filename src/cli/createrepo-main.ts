/**
 * `berth createrepo` as an entry of its own, for the bundled CLI (bin/build-cli.js): the same
 * command and error handling as `berth createrepo` through main.ts, without the registry of the
 * other commands, so the bundle holds only the modules createrepo runs (and bin/berth.js checks
 * only those for freshness). Started as `node createrepo.js createrepo [options] DIR`.
 *
 * The command is imported statically: every module it runs, Node's built-ins among them, is
 * loaded before this file's body sets the command's V8 settings. Node's built-ins are compiled
 * from the code cache embedded in the Node binary, which V8 accepts only while the V8 settings
 * are the ones it was made with: a built-in first loaded after any setting changes is compiled
 * from its source (measured: ~10 ms of CPU for those createrepo loads, ~30 ms more for a worker
 * thread's start-up, docs/benchmarks.md). In the bundle they are taken with
 * `process.getBuiltinModule()` as its modules are evaluated, before this body (bin/build-cli.js).
 */
import { prestartIoThread } from './createrepo/io-prestart.js';
import { enableCompileCache } from 'node:module';
import { runCommand } from './dispatch.js';
import { createrepoCommand } from './commands/createrepo.js';
import { prestartReaders } from './createrepo/threads.js';
import { tuneV8ForCreaterepo } from './createrepo/v8-flags.js';
import { exitWhenWritten } from './createrepo/finish.js';

// as in main.ts (bin/berth.js has already turned it on: this is for a direct start)
enableCompileCache();

const [name, ...rest] = process.argv.slice(2);
// first: the I/O thread, if this run will use it, before the V8 settings change; they are then
// held back until the run takes the thread or stops it (io-prestart.ts)
if (name === 'createrepo') prestartIoThread(rest);
if (name !== 'createrepo') throw new Error(`the createrepo entry runs 'createrepo', not '${String(name)}'`);
// the command's V8 settings, now that its modules are loaded and before any thread starts (an
// isolate takes some of them when it is made, and a thread must not start while they change)
// --update reads the old metadata through Node's fs streams (and web streams for zstd), which
// Node loads on first use: loaded now, before the settings change, like the rest (zstd's
// stream adapters still load on first use)
if (rest.includes('--update')) void [process.getBuiltinModule('node:fs').ReadStream, globalThis.ReadableStream];
tuneV8ForCreaterepo();
prestartReaders(rest);
exitWhenWritten(await runCommand(name, rest, () => Promise.resolve(createrepoCommand)));
