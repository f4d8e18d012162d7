/** Worker-thread entry for createrepo: describes batches of packages sent by pool.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { nodePlatform } from '../../adapters/node/platform.js';
import { describePackage, type DescribeJob } from './describe.js';

interface Batch {
  id: number;
  jobs: DescribeJob[];
}

const { changelogLimit } = workerData as { changelogLimit: number };

parentPort!.on('message', (batch: Batch) => {
  void (async () => {
    const outcomes = [];
    for (const job of batch.jobs) outcomes.push(await describePackage(job, nodePlatform, changelogLimit));
    parentPort!.postMessage({ id: batch.id, outcomes });
  })();
});
