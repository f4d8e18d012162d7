/**
 * Publish events: "the package set of tenant/repo changed; regenerate its repodata". The event
 * carries no package list — the consumer always reads the current index, so events may be
 * coalesced, duplicated or reordered without losing anything.
 */
export interface RepoChanged {
  tenant: string;
  repo: string;
  /** Index revision that caused the event (informational; consumers read the latest). */
  revision: number;
}

export interface EventSink {
  send(event: RepoChanged): Promise<void>;
}
