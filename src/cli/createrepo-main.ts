/**
 * `berth createrepo` as an entry of its own, for the bundled CLI (bin/build-cli.js): the same
 * command and error handling as `berth createrepo` through main.ts, without the registry of the
 * other commands, so the bundle holds only the modules createrepo runs (and bin/berth.js checks
 * only those for freshness). Started as `node createrepo.js createrepo [options] DIR`.
 */
import { enableCompileCache } from 'node:module';
import { runCommand } from './dispatch.js';
import { prestartReaders } from './createrepo/threads.js';
import { tuneV8ForCreaterepo } from './createrepo/v8-flags.js';

// before the command's modules load, as in main.ts
enableCompileCache();

const [name, ...rest] = process.argv.slice(2);
if (name !== 'createrepo') throw new Error(`the createrepo entry runs 'createrepo', not '${String(name)}'`);
// the command's V8 settings first (an isolate takes some of them when it is made, and a thread
// must not start while they change), then the reader threads: they load on another CPU while
// this thread loads the command
tuneV8ForCreaterepo();
prestartReaders(rest);
process.exitCode = await runCommand(name, rest, async () => (await import('./commands/createrepo.js')).createrepoCommand);
