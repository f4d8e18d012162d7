// Scheduled mirror runs (docs/mirror.md): every tick runs, one after another, the mirrors whose
// own intervalSeconds has passed since their last run. The tick is only the polling period;
// BERTH_MIRROR_SCHEDULE sets it (default every 5 minutes).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { mirrorScheduleFrom } from '../src/adapters/azure/config.js';
import { azureRuntime } from '../src/adapters/azure/deps.js';
import { runDueMirrors } from '../src/mirror/schedule.js';

/** Resolved when the host indexes the functions; a changed app setting restarts the app. */
export const MIRROR_SCHEDULE = mirrorScheduleFrom(process.env);

export async function mirrorTick(_timer: Timer, context: InvocationContext): Promise<void> {
  const { deps } = azureRuntime();
  const runs = await runDueMirrors(deps, deps.clock());
  for (const r of runs) {
    const line = `mirror ${r.tenant}/${r.repo}: ${r.outcome}${r.error ? ` (${r.error.code}: ${r.error.detail})` : ''}` +
      ` revision=${r.revision ?? '-'} added=${r.packages.added} removed=${r.packages.removed} requests=${r.requests} ms=${r.durationMs}`;
    // A failed run is recorded in the mirror's state and retried at its next interval; it does not
    // fail the invocation, which would only make the host log a second, less precise error.
    if (r.ok) context.log(line);
    else context.warn(line);
  }
  context.log(`mirror: ${runs.length} due mirror(s) run`);
}

app.timer('mirror', {
  schedule: MIRROR_SCHEDULE,
  // Cold starts are frequent on Flex Consumption; a run at every start would ignore the schedule.
  runOnStartup: false,
  // No make-up run after downtime: runDueMirrors works from each mirror's last run, so the next
  // tick picks up everything that fell due meanwhile, and the monitor's status blob is one write
  // per tick saved.
  useMonitor: false,
  handler: mirrorTick,
});
