/**
 * The queue-triggered regeneration. Each message names a repo; the work is "bring the repo's
 * repodata up to its latest index revision", which `regenerate` already skips when current.json
 * is there (the revision check that makes duplicates and reordering harmless across instances).
 *
 * Within one instance the trigger hands over up to `batchSize` messages at once, often for the
 * same repo after a burst of publishes. Running them all would build the same generation in
 * parallel, so per repo at most one run is in flight and at most one more is queued behind it:
 * a message arriving mid-run joins the queued run (which starts after it, so it sees the
 * message's revision). Every message settles only when a run that started after it has ended,
 * and a failure rejects it, so the host retries it and, past maxDequeueCount, poisons it.
 */
import { z } from 'zod';
import type { RepoChanged } from '../../repo/events.js';

const message = z.object({
  tenant: z.string().regex(/^[a-z0-9-]+$/),
  repo: z.string().regex(/^[a-z0-9-]+$/),
  revision: z.number().int().nonnegative(),
});

export class InvalidQueueMessageError extends Error {
  override name = 'InvalidQueueMessageError';
  readonly code = 'invalid_queue_message';
}

/** The trigger gives parsed JSON for a JSON message and a string otherwise. */
export function parseRepoChanged(payload: unknown): RepoChanged {
  let value = payload;
  if (typeof payload === 'string') {
    try {
      value = JSON.parse(payload);
    } catch {
      throw new InvalidQueueMessageError('queue message is not JSON');
    }
  }
  const r = message.safeParse(value);
  if (!r.success) throw new InvalidQueueMessageError(`queue message is not a RepoChanged event: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

interface Slot {
  running: Promise<void>;
  next: Promise<void> | null;
}

export class RegenerationConsumer {
  readonly #slots = new Map<string, Slot>();

  constructor(private readonly run: (tenant: string, repo: string) => Promise<unknown>) {}

  handle(event: RepoChanged): Promise<void> {
    const key = `${event.tenant}/${event.repo}`;
    const slot = this.#slots.get(key);
    if (!slot) return this.#start(key, event, null);
    slot.next ??= slot.running.catch(() => undefined).then(() => this.#start(key, event, slot));
    return slot.next;
  }

  #start(key: string, event: RepoChanged, previous: Slot | null): Promise<void> {
    const running = (async () => {
      await this.run(event.tenant, event.repo);
    })();
    const slot: Slot = previous ?? { running, next: null };
    slot.running = running;
    slot.next = null;
    this.#slots.set(key, slot);
    const clear = (): void => {
      if (this.#slots.get(key) === slot && slot.running === running && slot.next === null) this.#slots.delete(key);
    };
    running.then(clear, clear);
    return running;
  }
}
