/**
 * Every flow that holds a token while it runs (a log tail, a local replay, a fleet scan, a bulk
 * replay) registers here, so "lock" can stop them all in one place: redaction must not depend on a
 * plaintext token staying in memory after lock, so the flows that could still carry one are closed.
 */
export interface Flow {
  /** A short label for logs and tests ("tail acme-prod", "replay acme-prod/logs-to-logstash"). */
  readonly label: string;
  /** Stops the flow for good; `reason` is shown to the user (e.g. "The console was locked."). */
  close(reason: string): void | Promise<void>;
}

export class Flows {
  private readonly open = new Set<Flow>();

  /** Registers a running flow; call the returned function when it ends by itself. */
  track(flow: Flow): () => void {
    this.open.add(flow);
    return () => void this.open.delete(flow);
  }

  /** Closes every running flow (lock, shutdown); resolves once each close has run. */
  async closeAll(reason: string): Promise<number> {
    const all = [...this.open];
    this.open.clear();
    await Promise.allSettled(all.map(async (f) => f.close(reason)));
    return all.length;
  }

  get size(): number {
    return this.open.size;
  }

  labels(): string[] {
    return [...this.open].map((f) => f.label);
  }
}
