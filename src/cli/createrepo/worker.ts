/** Reader-thread entry for createrepo (reader-thread.ts). */
import './reader-thread.js';
