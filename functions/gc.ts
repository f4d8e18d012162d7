// Hourly garbage collection: expired generations, unreferenced repodata, fragments and blobs,
// and uploads older than 24 h (collectGarbage does all of it; see src/repo/gc.ts).
import { app } from '@azure/functions';
import { azureRuntime } from '../src/adapters/azure/deps.js';
import { collectGarbage } from '../src/repo/gc.js';

/** Six-field NCRONTAB: second 0, minute 17 of every hour (off the hour, away from other jobs). */
export const GC_SCHEDULE = '0 17 * * * *';

app.timer('gc', {
  schedule: GC_SCHEDULE,
  runOnStartup: false,
  // A missed run is made up once after downtime; GC is idempotent, so overlap is harmless.
  useMonitor: true,
  handler: async (_timer, context) => {
    const report = await collectGarbage(azureRuntime().deps, new Date());
    context.log(`gc: ${JSON.stringify(report)}`);
  },
});
