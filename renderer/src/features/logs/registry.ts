// One controller per tab, surviving React re-mounts (StrictMode mounts twice); disposed a while after
// the last view lets go of it (a closed tab), not at once (a re-mount comes back).
import type { TailController } from './controller';

const controllers = new Map<string, { c: TailController; refs: number; timer?: ReturnType<typeof setTimeout> }>();

/** The tab's controller, made and started on first use. Until a view holds it, it is disposed after a while. */
export function acquireController(tabId: string, make: () => TailController): TailController {
  let entry = controllers.get(tabId);
  if (!entry) {
    entry = { c: make(), refs: 0 };
    controllers.set(tabId, entry);
    void entry.c.start();
    scheduleDispose(tabId, entry, 5_000);
  }
  return entry.c;
}

export function holdController(tabId: string): void {
  const entry = controllers.get(tabId);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.timer = undefined;
  entry.refs++;
}

export function releaseController(tabId: string): void {
  const entry = controllers.get(tabId);
  if (!entry) return;
  entry.refs--;
  if (entry.refs <= 0) scheduleDispose(tabId, entry, 500);
}

function scheduleDispose(
  tabId: string,
  entry: { c: TailController; refs: number; timer?: ReturnType<typeof setTimeout> },
  ms: number,
): void {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    if (entry.refs > 0) return;
    controllers.delete(tabId);
    entry.c.dispose();
  }, ms);
}
