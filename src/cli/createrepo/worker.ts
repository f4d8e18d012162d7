/**
 * Reader-thread entry for createrepo. It turns Node's compile cache on for this thread (the
 * cache is per thread) before the reader's modules load, so that their compiled code is reused
 * from the previous run, as on the main thread; the reader itself is reader-thread.ts.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./reader-thread.js');
