/**
 * The Azure EventSink: one Storage Queue message per RepoChanged, consumed by the queue-triggered
 * function (functions/regenerate.ts). The message is JSON, base64-encoded, because the Functions
 * queue trigger decodes base64 by default (host.json `messageEncoding`); a plain-text message
 * would be refused by the trigger and end up in the poison queue.
 *
 * `send` resolves once the message is stored, so a publish that answered 201 has its
 * regeneration durably scheduled. Duplicates are harmless: the consumer reads the latest index
 * and stops when current.json is already at that revision.
 */
import { RestError, type QueueClient } from '@azure/storage-queue';
import type { EventSink, RepoChanged } from '../../repo/events.js';

export function encodeMessage(event: RepoChanged): string {
  const json = JSON.stringify({ tenant: event.tenant, repo: event.repo, revision: event.revision });
  return Buffer.from(json, 'utf8').toString('base64');
}

export class QueueEventSink implements EventSink {
  constructor(private readonly queue: QueueClient) {}

  async send(event: RepoChanged): Promise<void> {
    const text = encodeMessage(event);
    try {
      await this.queue.sendMessage(text);
    } catch (err) {
      // Azurite and fresh accounts: create on first use. In Azure the template creates the queue
      // and the identity has no right to create one, so this path is never taken there.
      if (!(err instanceof RestError && err.statusCode === 404)) throw err;
      await this.queue.createIfNotExists();
      await this.queue.sendMessage(text);
    }
  }
}
