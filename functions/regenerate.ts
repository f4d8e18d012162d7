// Consumer of RepoChanged: one Storage Queue message per publish or delete (docs/azure.md
// explains queue over Event Grid). Retries and the poison queue are host.json's business.
import { app } from '@azure/functions';
import { QUEUE_CONNECTION } from '../src/adapters/azure/config.js';
import { azureRuntime } from '../src/adapters/azure/deps.js';
import { parseRepoChanged, RegenerationConsumer } from '../src/adapters/azure/regenerate-consumer.js';

let consumer: RegenerationConsumer | null = null;

app.storageQueue('regenerate', {
  // Resolved from the BERTH_QUEUE app setting, the same value the queue sink sends to.
  queueName: '%BERTH_QUEUE%',
  connection: QUEUE_CONNECTION,
  handler: async (message, context) => {
    const event = parseRepoChanged(message);
    consumer ??= new RegenerationConsumer((t, r) => azureRuntime().regenerate(t, r));
    await consumer.handle(event);
    context.log(`repodata of ${event.tenant}/${event.repo} is at or past revision ${event.revision}`);
  },
});
