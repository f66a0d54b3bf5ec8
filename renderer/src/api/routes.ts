// Routing events to the listeners of one stream (see `listen` in ./index.ts). Kept apart from the
// transport so it is tested without one.
import type { EventPayload, Topic } from '../../../common/contract';

/** Topics whose events belong to one stream (they carry its `streamId`). */
export type StreamTopic = { [T in Topic]: EventPayload<T> extends { streamId: string } ? T : never }[Topic];

type Subscribe = <T extends Topic>(topic: T, fn: (payload: EventPayload<T>) => void) => () => void;

/** One subscription per topic, dispatching each event to the listeners of its `streamId` only. */
export function streamRouter(subscribe: Subscribe) {
  const routes = new Map<string, Map<string, Set<(p: never) => void>>>();
  return function listen<T extends StreamTopic>(topic: T, streamId: string, fn: (payload: EventPayload<T>) => void): () => void {
    let byStream = routes.get(topic);
    if (!byStream) {
      const table = (byStream = new Map<string, Set<(p: never) => void>>());
      routes.set(topic, table);
      subscribe(topic, (p) => {
        for (const f of table.get((p as { streamId: string }).streamId) ?? []) (f as (x: typeof p) => void)(p);
      });
    }
    const table = byStream;
    let set = table.get(streamId);
    if (!set) table.set(streamId, (set = new Set()));
    const entry = fn as (p: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0) table.delete(streamId);
    };
  };
}
