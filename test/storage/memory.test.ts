import { MemoryBlobStore } from '../../src/storage/memory-store.js';
import { describeBlobStore } from './blob-store.suite.js';

describeBlobStore('memory', async () => ({ store: new MemoryBlobStore() }), { buffersBodies: true });
