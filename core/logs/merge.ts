/**
 * Several containers in one pane, as `stern` tails many pods: one `LogStream` per container (each keeps
 * its own reconnect, resume and gap markers), one `Pump` fed by all of them, so the pane's ack window
 * holds every stream back together and a slow pane pauses every socket.
 *
 * Lines leave in the order they arrived (the streams stamp it), except that within one batch each
 * container with lines waiting gets an equal share of the bytes: a flooding container cannot push a
 * quiet one's lines out of the next batch. A container that drops, stalls or stops only marks its own
 * lines; the others go on. The queue budget of a single tail is shared out among the containers, so a
 * merged tab holds no more than one tail would (a container past its share drops its oldest lines,
 * counted on its chip).
 */
import type { LogLine, LogStatus, MemberStatus } from '../../common/contract/logs';
import { MAX_MERGED_CONTAINERS } from '../../common/contract/logs';
import { CORE_KEPT_BYTES, CORE_KEPT_LINES } from '../../common/logs-flow';
import { KeptLines } from './kept';
import { Pump, type PumpOptions, type PumpSource } from './pump';
import { defaultQueueLimits, type QueueLimits } from './queue';
import { inert } from './sanitize';
import { LogStream, type LogConnect, type LogStreamOptions, type QueuedLine } from './stream';

export interface MergedTailOptions extends Omit<LogStreamOptions, 'onReadable' | 'onStatus' | 'container' | 'connect'> {
  containers: string[];
  /** Opens one request of one container's stream (the webtask client's `openLogStream`). */
  connect(container: string): LogConnect;
  pump?: PumpOptions;
  onBatch(seq: number, lines: LogLine[]): void;
  onStatus(status: LogStatus): void;
  /** The merged status goes out at most this often (each of up to 50 streams reports on its own). */
  statusCoalesceMs?: number;
}

/**
 * Each container's share of one tail's queue: a merged tab holds no more than one tail would. (At the
 * product's limits and 50 containers a share still pauses its socket at 400 lines, past 100 ms of a
 * busy container, and holds at most 1,000.)
 */
export function shareQueue(limits: QueueLimits, n: number): QueueLimits {
  const part = (v: number) => Math.max(1, Math.floor(v / Math.max(1, n)));
  return {
    highLines: part(limits.highLines),
    highBytes: part(limits.highBytes),
    lowLines: part(limits.lowLines),
    lowBytes: part(limits.lowBytes),
    maxLines: part(limits.maxLines),
    maxBytes: part(limits.maxBytes),
  };
}

/** The saved NDJSON line of a merged tail: the record with its container first; raw text wrapped. */
export function withContainer(q: QueuedLine, container: string): string {
  const c = JSON.stringify(container);
  if (q.line.kind === 'raw') return `{"container":${c},"raw":${JSON.stringify(q.full)}}`;
  // Records, gaps and notices are JSON objects already (a record naming its container says the same).
  if (q.full.startsWith(`{"container":${c}`)) return q.full;
  return q.full === '{}' ? `{"container":${c}}` : `{"container":${c},${q.full.slice(1)}`;
}

interface Member {
  container: string;
  stream: LogStream;
  muted: boolean;
  mutedLines: number;
  status: LogStatus | undefined;
}

export class MergedTail implements PumpSource {
  readonly members: Member[];
  private readonly byName = new Map<string, Member>();
  private readonly pump: Pump;
  private readonly kept: KeptLines;
  private readonly streamId: string;
  private readonly onStatus: (s: LogStatus) => void;
  private readonly coalesceMs: number;
  private statusTimer: NodeJS.Timeout | undefined;
  private n = 0;
  private closed = false;

  constructor(opts: MergedTailOptions) {
    const { containers, connect, pump, onBatch, onStatus, statusCoalesceMs, queue, keptLines, keptBytes, ...stream } = opts;
    if (containers.length === 0) throw new Error('A merged tail needs at least one container.');
    if (containers.length > MAX_MERGED_CONTAINERS) throw new Error(`At most ${MAX_MERGED_CONTAINERS} containers in one merged tail.`);
    if (new Set(containers).size !== containers.length) throw new Error('Each container once.');
    this.streamId = opts.streamId;
    this.onStatus = onStatus;
    this.coalesceMs = statusCoalesceMs ?? 100;
    // The merge keeps the lines for "save" itself (in arrival order, with their container), not each stream.
    this.kept = new KeptLines(keptLines ?? CORE_KEPT_LINES, keptBytes ?? CORE_KEPT_BYTES);
    const share = shareQueue({ ...defaultQueueLimits, ...(queue ?? {}) }, containers.length);
    this.members = containers.map((container) => {
      const m: Member = { container, muted: false, mutedLines: 0, status: undefined, stream: undefined as unknown as LogStream };
      m.stream = new LogStream({
        ...stream,
        container,
        connect: connect(container),
        queue: share,
        keptLines: 0,
        keptBytes: 0,
        onReadable: () => this.pump.notify(),
        onStatus: (s) => {
          m.status = s;
          this.statusChanged();
        },
      });
      this.byName.set(container, m);
      return m;
    });
    this.pump = new Pump(this, onBatch, pump);
  }

  start(): void {
    for (const m of this.members) m.stream.start();
  }

  // ---- the pump's source --------------------------------------------------------------------------

  get queued(): number {
    let n = 0;
    for (const m of this.members) n += m.stream.queued;
    return n;
  }

  get queuedBytes(): number {
    let n = 0;
    for (const m of this.members) n += m.stream.queuedBytes;
    return n;
  }

  /** Up to `maxBytes` (at least one line when any waits), oldest arrival first, each container at most its share. */
  take(maxBytes: number): QueuedLine[] {
    let waiting = 0;
    for (const m of this.members) {
      if (m.muted) this.drainMuted(m);
      else if (m.stream.queued > 0) waiting++;
    }
    const out: QueuedLine[] = [];
    if (waiting === 0) return out;
    let share = maxBytes / waiting;
    const used = new Map<Member, number>();
    let size = 0;
    while (size < maxBytes) {
      let pick: Member | undefined;
      let oldest = Infinity;
      for (const m of this.members) {
        if (m.muted || (used.get(m) ?? 0) >= share) continue;
        const at = m.stream.peekAt();
        if (at !== undefined && at < oldest) {
          oldest = at;
          pick = m;
        }
      }
      if (!pick) {
        // Every container had its turn: the room left goes to those that still have lines.
        if (share === Infinity) break;
        share = Infinity;
        continue;
      }
      const q = pick.stream.takeOne()!;
      q.line.n = ++this.n;
      q.line.container = pick.container;
      q.full = withContainer(q, pick.container);
      this.kept.add(q);
      out.push(q);
      used.set(pick, (used.get(pick) ?? 0) + q.bytes);
      size += q.bytes;
    }
    return out;
  }

  /** A muted container's lines are read and let go: its socket keeps flowing, its chip counts them. */
  private drainMuted(m: Member): void {
    while (m.stream.takeOne()) m.mutedLines++;
  }

  // ---- what the host asks -------------------------------------------------------------------------

  ack(seq: number): void {
    this.pump.ack(seq);
  }

  set withJson(on: boolean) {
    for (const m of this.members) m.stream.withJson = on;
  }

  get withJson(): boolean {
    return this.members[0]!.stream.withJson;
  }

  mute(container: string, muted: boolean): boolean {
    const m = this.byName.get(container);
    if (!m) return false;
    m.muted = muted;
    this.statusChanged();
    if (!muted) this.pump.notify();
    return true;
  }

  /** One container, or every one. */
  retry(container?: string): boolean {
    if (container === undefined) {
      for (const m of this.members) m.stream.retry();
      return true;
    }
    const m = this.byName.get(container);
    m?.stream.retry();
    return m !== undefined;
  }

  keptText(): { text: string; lines: number; bytes: number; oldestDropped: number } {
    return this.kept.text();
  }

  keptRecords(from: number): Array<{ n: number; json: string }> {
    return this.kept.records(from, this.members[0]!.stream.opts.maxDisplayChars);
  }

  clearKept(): void {
    this.kept.clear();
  }

  /** The containers, joined (what a recording and the audit name). */
  get container(): string {
    return this.members.map((m) => m.container).join(', ');
  }

  private rec: { add(q: QueuedLine): void } | undefined;
  /** Records every container's lines as they are read, each naming its container. */
  get recorder(): { add(q: QueuedLine): void } | undefined {
    return this.rec;
  }

  set recorder(r: { add(q: QueuedLine): void } | undefined) {
    this.rec = r;
    for (const m of this.members)
      m.stream.recorder = r && {
        add: (q) => {
          q.line.container = m.container;
          r.add(q);
        },
      };
  }

  get unackedBytes(): number {
    return this.pump.unackedBytes;
  }

  /** Stops every stream. With a reason (lock), one last line says why, sent past the ack window. */
  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    await Promise.all(this.members.map((m) => m.stream.close(reason)));
    this.emitStatus();
    if (reason) this.pump.sendLast([{ n: ++this.n, kind: 'info', msg: inert(`Stopped: ${reason}`), t: Date.now() }]);
    this.pump.close();
  }

  // ---- status -------------------------------------------------------------------------------------

  private statusChanged(): void {
    if (this.closed || this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.emitStatus();
    }, this.coalesceMs);
    this.statusTimer.unref();
  }

  private emitStatus(): void {
    this.onStatus(this.status());
  }

  /** The sums, and each container's own state (its chip). */
  status(): LogStatus {
    const members: MemberStatus[] = this.members.map((m) => {
      const s = m.status ?? m.stream.status();
      const ms: MemberStatus = {
        container: m.container,
        state: s.state,
        attempt: s.attempt,
        resume: s.resume,
        lines: s.lines,
        dropped: s.dropped,
        gaps: s.gaps,
        missed: s.missed,
        linesPerSec: s.linesPerSec,
        backpressure: s.backpressure,
        muted: m.muted,
        mutedLines: m.mutedLines,
      };
      if (s.nextTryAt !== undefined) ms.nextTryAt = s.nextTryAt;
      if (s.reason !== undefined) ms.reason = s.reason;
      return ms;
    });
    const sum = (f: (s: MemberStatus) => number) => members.reduce((a, s) => a + f(s), 0);
    const all = this.members.map((m) => m.status ?? m.stream.status());
    const states = new Set(members.map((s) => s.state));
    const connected = members.filter((s) => s.state === 'connected').length;
    const state =
      states.size === 1 ? members[0]!.state : connected > 0 ? 'connected' : states.has('reconnecting') ? 'reconnecting' : 'connecting';
    const troubled = members.filter((s) => s.state !== 'connected');
    const status: LogStatus = {
      streamId: this.streamId,
      container: this.members.map((m) => m.container).join(', '),
      state,
      attempt: Math.max(...members.map((s) => s.attempt)),
      resume: members.every((s) => s.resume === true) ? true : members.some((s) => s.resume === false) ? false : null,
      lines: sum((s) => s.lines),
      raw: all.reduce((a, s) => a + s.raw, 0),
      dropped: sum((s) => s.dropped),
      gaps: sum((s) => s.gaps),
      missed: sum((s) => s.missed),
      linesPerSec: sum((s) => s.linesPerSec),
      queued: this.queued,
      backpressure: members.some((s) => s.backpressure),
      connects: all.reduce((a, s) => a + s.connects, 0),
      members,
    };
    const skipped = all.reduce((a, s) => a + (s.skipped ?? 0), 0);
    if (skipped) status.skipped = skipped;
    if (states.size > 1 && troubled.length > 0)
      status.reason = `${connected} of ${members.length} connected; ${troubled
        .slice(0, 3)
        .map((s) => `${s.container} ${s.state}`)
        .join(', ')}${troubled.length > 3 ? ` and ${troubled.length - 3} more` : ''}.`;
    else if (states.size === 1 && members[0]!.reason && members.every((s) => s.reason === members[0]!.reason))
      status.reason = members[0]!.reason;
    return status;
  }
}

/** Opens a merged tail and starts reading every container at once. */
export function openMergedTail(opts: MergedTailOptions): MergedTail {
  const tail = new MergedTail(opts);
  tail.start();
  return tail;
}
