/**
 * Bench and e2e probes: set on `globalThis` by the test harness only, absent in normal use.
 * `__escLogProbe` hears every painted batch; with `__escLogDebug` set before load, each tail exposes
 * its buffer as text, its snapshot, and where a string is on screen.
 */
import type { LogLine } from '../../../../common/contract';

type Probe = (info: { streamId: string; lines: LogLine[]; paintedAt: number }) => void;
export const paintProbe = (): Probe | undefined => (globalThis as { __escLogProbe?: Probe }).__escLogProbe;

/** Hears the text of every pane write (the bench replays it into a bare xterm for its parse-rate ceiling). */
export const writeProbe = (): ((text: string) => void) | undefined =>
  (globalThis as { __escLogWriteProbe?: (t: string) => void }).__escLogWriteProbe;

export interface DebugTail {
  text(): string;
  snapshot(): unknown;
  cellOf(needle: string): { col: number; row: number; cols: number; rows: number } | null;
}

/** Registers a tail under its name when the harness asked for it. */
export function exposeForTests(name: string, tail: DebugTail): void {
  const g = globalThis as { __escLogDebug?: boolean; __escLogTails?: Record<string, DebugTail> };
  if (!g.__escLogDebug) return;
  (g.__escLogTails ??= {})[name] = tail;
}
