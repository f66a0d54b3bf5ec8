// Per-container real-time log streams: a bounded ring buffer of bunyan records with event ids, and
// the SSE endpoint `GET /api/logs/tenant/{c}` that wt 11, browsers and the console read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';

export interface LogOptions {
  /** Records kept per container for `Last-Event-ID` resume. */
  bufferSize: number;
  /** Interval of `event: ping` keep-alives (must stay under the 20 s browsers allow). */
  pingMs: number;
  /** The stream ends by itself after this long, as the real cluster's does (30 min). */
  maxStreamMs: number;
  /** A subscriber whose socket holds more unsent bytes than this is cut (it may resume). */
  maxBufferedBytes: number;
}

interface Entry {
  id: number;
  frame: string;
  frameNoId: string;
}

interface Subscriber {
  res: ServerResponse;
  withIds: boolean;
}

const HOST = hostname();

class Channel {
  readonly ring: Array<Entry | undefined>;
  head = 0; // next slot
  count = 0;
  nextId = 1;
  resume = true;
  readonly subs = new Set<Subscriber>();

  constructor(size: number) {
    this.ring = new Array<Entry | undefined>(size);
  }

  push(e: Entry): void {
    this.ring[this.head] = e;
    this.head = (this.head + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
  }

  /** Buffered entries with id > lastId, oldest first. */
  since(lastId: number): Entry[] {
    const out: Entry[] = [];
    const size = this.ring.length;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.head - this.count + i + size) % size];
      if (e && e.id > lastId) out.push(e);
    }
    return out;
  }
}

export class LogHub {
  private readonly channels = new Map<string, Channel>();
  private readonly open = new Set<ServerResponse>();
  /** Per-record counters exposed for tests and benches. */
  emitted = 0;

  constructor(readonly opts: LogOptions) {}

  private channel(container: string): Channel {
    let ch = this.channels.get(container);
    if (!ch) {
      ch = new Channel(this.opts.bufferSize);
      this.channels.set(container, ch);
    }
    return ch;
  }

  setResume(container: string, enabled: boolean): void {
    this.channel(container).resume = enabled;
  }

  resumeEnabled(container: string): boolean {
    return this.channel(container).resume;
  }

  subscriberCount(container: string): number {
    return this.channels.get(container)?.subs.size ?? 0;
  }

  /** Emits a bunyan record into a container's stream. */
  emit(container: string, record: Record<string, unknown>): number {
    return this.emitMany(container, [record])[0]!;
  }

  /**
   * Emits records said together (one flood tick, one admin post) and writes them to each subscriber in
   * one write: whole events only, so wt 11's parser, which splits events on chunk edges, reads them as a
   * replay's. A write per event would cost the emulator and every reader a chunk per line, which at
   * tens of thousands of lines/s is most of the emulator's time on a machine it shares with the console.
   */
  emitMany(container: string, records: Array<Record<string, unknown>>): number[] {
    const ch = this.channel(container);
    const ids: number[] = [];
    const entries: Entry[] = [];
    const time = new Date().toISOString();
    for (const record of records) {
      const full: Record<string, unknown> = {
        name: 'webtask',
        hostname: HOST,
        pid: process.pid,
        level: 30,
        time,
        v: 0,
        container,
        ...record,
      };
      if (typeof full.msg !== 'string') full.msg = String(full.msg ?? '');
      const id = ch.nextId++;
      const data = JSON.stringify(full);
      const entry: Entry = { id, frame: `id: ${id}\ndata: ${data}\n\n`, frameNoId: `data: ${data}\n\n` };
      ch.push(entry);
      entries.push(entry);
      ids.push(id);
    }
    this.emitted += entries.length;
    for (const sub of ch.subs) {
      const withIds = ch.resume && sub.withIds;
      this.write(
        sub,
        entries.length === 1
          ? withIds
            ? entries[0]!.frame
            : entries[0]!.frameNoId
          : entries.map((e) => (withIds ? e.frame : e.frameNoId)).join(''),
      );
    }
    return ids;
  }

  private write(sub: Subscriber, frame: string): void {
    const { res } = sub;
    if (res.destroyed) return;
    if (res.writableLength > this.opts.maxBufferedBytes) {
      // A consumer this slow would grow our memory without bound: cut it; it can resume by id.
      res.destroy();
      return;
    }
    res.write(frame);
  }

  /** Serves the SSE stream once the caller is authorized for `container`. */
  serve(req: IncomingMessage, res: ServerResponse, container: string, url: URL): void {
    const ch = this.channel(container);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const sub: Subscriber = { res, withIds: true };
    // A comment line first so clients see the stream open at once.
    let hello = `: connected to ${container}\n\n`;
    if (ch.resume) {
      hello = `retry: 1000\n${hello}`;
      const last = req.headers['last-event-id'] ?? url.searchParams.get('last_event_id') ?? undefined;
      let lastId = typeof last === 'string' && /^\d+$/.test(last.trim()) ? Number(last.trim()) : undefined;
      // An id from before a restart (ahead of ours): replay the whole window; the id drop shows the gap.
      if (lastId !== undefined && lastId >= ch.nextId) lastId = 0;
      if (lastId !== undefined) for (const e of ch.since(lastId)) hello += e.frame;
    }
    res.write(hello);
    ch.subs.add(sub);
    this.open.add(res);
    const ping = setInterval(() => this.write(sub, `event: ping\ndata: {"time":"${new Date().toISOString()}"}\n\n`), this.opts.pingMs);
    ping.unref();
    const end = setTimeout(() => res.end(), this.opts.maxStreamMs);
    end.unref();
    const cleanup = (): void => {
      clearInterval(ping);
      clearTimeout(end);
      ch.subs.delete(sub);
      this.open.delete(res);
    };
    res.once('close', cleanup);
    req.once('close', cleanup);
  }

  /** Drops a container's open streams mid-flight (a network cut); returns how many. */
  cut(container: string): number {
    const subs = [...(this.channels.get(container)?.subs ?? [])];
    for (const sub of subs) sub.res.destroy();
    return subs.length;
  }

  closeAll(): void {
    for (const res of this.open) res.destroy();
    this.open.clear();
  }
}
