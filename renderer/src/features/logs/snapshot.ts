/**
 * A tail's state for React (`useSyncExternalStore`): an immutable snapshot, replaced on change. Counters
 * change at line rate, so those updates reach React at most five times a second.
 */
export class SnapshotStore<T extends object> {
  private snapshot: T;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(initial: T) {
    this.snapshot = initial;
  }

  get = (): T => this.snapshot;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** `now: false` for line-rate counters (throttled). */
  update(patch: Partial<T>, now = true): void {
    this.snapshot = { ...this.snapshot, ...patch };
    if (now) this.emit();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.emit();
      }, 200);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
