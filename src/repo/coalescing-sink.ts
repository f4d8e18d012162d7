/**
 * The in-process event consumer: at most one regeneration per repo at a time. An event for a
 * repo that is already regenerating only marks it dirty; when the run ends it runs once more,
 * so a burst of publishes costs a few regenerations and the last one sees every package.
 * `send` never waits for the regeneration (a publish answers as soon as its index CAS is in).
 *
 * During a sustained burst the next run starts only after a pause `PAUSE_FACTOR` times as long as
 * the last run took (capped): regeneration then takes at most about a fifth of the time, and the
 * publishes the rest, instead of back-to-back regenerations starving them (a regeneration costs
 * in proportion to the repo, a publish does not). A lone publish is regenerated at once; one
 * during a burst waits at most one run and one pause longer.
 */
import type { Logger } from '../core/logger.js';
import type { EventSink, RepoChanged } from './events.js';

export type RegenerateFn = (tenant: string, repo: string) => Promise<unknown>;

/** The pause after a run, during a burst, in multiples of the run's own time. */
export const PAUSE_FACTOR = 4;

interface RepoState {
  dirty: boolean;
  running: Promise<void>;
}

export class CoalescingSink implements EventSink {
  readonly #states = new Map<string, RepoState>();
  readonly #waiters: (() => void)[] = [];

  constructor(
    private readonly run: RegenerateFn,
    private readonly logger: Logger,
    /** Longest pause between two runs of one repo, in ms (default 5,000; 0: none). */
    private readonly maxPauseMs = 5_000,
  ) {}

  async send(event: RepoChanged): Promise<void> {
    const key = `${event.tenant}/${event.repo}`;
    const state = this.#states.get(key);
    if (state) {
      state.dirty = true;
      return;
    }
    const fresh: RepoState = { dirty: true, running: Promise.resolve() };
    this.#states.set(key, fresh);
    fresh.running = this.#loop(key, event.tenant, event.repo, fresh);
  }

  async #loop(key: string, tenant: string, repo: string, state: RepoState): Promise<void> {
    // yield once so events sent in the same tick coalesce into the first run
    await Promise.resolve();
    try {
      while (state.dirty) {
        state.dirty = false;
        const started = Date.now();
        await this.#attempt(tenant, repo);
        const pause = Math.min(this.maxPauseMs, PAUSE_FACTOR * (Date.now() - started));
        if (state.dirty && pause > 0) await new Promise((r) => setTimeout(r, pause));
      }
    } finally {
      this.#states.delete(key);
      if (this.#states.size === 0) this.#waiters.splice(0).forEach((w) => w());
    }
  }

  /** One regeneration, retried once; a second failure is logged and left to the next event. */
  async #attempt(tenant: string, repo: string): Promise<void> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await this.run(tenant, repo);
        return;
      } catch (e) {
        const fields = { tenant, repo, attempt, error: e instanceof Error ? e.message : String(e) };
        if (attempt === 1) this.logger.warn('regeneration failed; retrying', fields);
        else this.logger.error('regeneration failed', fields);
      }
    }
  }

  /** Regenerations running or scheduled, by `tenant/repo`. */
  get pending(): string[] {
    return [...this.#states.keys()];
  }

  /** Settles when no regeneration is running or scheduled. */
  idle(): Promise<void> {
    if (this.#states.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
