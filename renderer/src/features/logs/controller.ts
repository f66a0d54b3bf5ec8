/**
 * One live tail in one tab: opens the stream, routes its batches through the pane's flow control to the
 * terminal, and answers the toolbar (pause, follow, filter, view, search, save). Its parts, one job
 * each: the terminal (terminal.ts), flow control (flow.ts), the kept lines and filter (lines.ts), the
 * React snapshot (snapshot.ts), test probes (probes.ts), the per-tab registry (registry.ts).
 *
 * It takes its API and its terminal as parameters, so it runs without a browser in unit tests. Kept out
 * of React state on purpose: 20,000 lines/s must not re-render components.
 */
import {
  newStreamId,
  type Channel,
  type EventPayload,
  type Input,
  type LogLine,
  type LogStatus,
  type Output,
  type RecordStatus,
} from '../../../../common/contract';
import { PaneFlow, type Frames } from './flow';
import { formatLine, type Filter, type ViewOptions } from './format';
import { LineStore } from './lines';
import { paintProbe, writeProbe } from './probes';
import { SnapshotStore } from './snapshot';

export interface TailSnapshot {
  streamId: string | null;
  status: LogStatus | null;
  error: string | null;
  following: boolean;
  waiting: number;
  kept: number;
  shown: number;
  filter: Filter;
  filterError?: string;
  view: Omit<ViewOptions, 'cols'>;
  renderer: 'webgl' | 'dom';
  /** Why the DOM renderer is used, when it is. */
  rendererNote?: string;
  searchResults?: { index: number; count: number };
  /** The recording to disk, while there is one (and its last word once it stopped). */
  record: RecordStatus | null;
}

/** What the controller needs of a terminal (xterm in the app: terminal.ts; a fake in unit tests). */
export interface PaneTerminal {
  readonly cols: number;
  write(text: string, done: () => void): void;
  reset(): void;
  scrollToBottom(): void;
  getSelection(): string;
  find(term: string, backwards: boolean): boolean;
  clearSearch(): void;
  dispose(): void;
}

/** What the controller needs of the core: calls, and the events of one stream. */
export interface TailApi {
  call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>>;
  listen<T extends 'logs.batch' | 'logs.status' | 'logs.recording'>(
    topic: T,
    streamId: string,
    fn: (payload: EventPayload<T>) => void,
  ): () => void;
  errorMessage(e: unknown): string;
}

export interface TailDeps<T extends PaneTerminal> {
  api: TailApi;
  terminal: T;
  frames: Frames;
}

export class TailController<T extends PaneTerminal = PaneTerminal> {
  /** Chosen here, before anything is asked: the tab listens for its own stream's events only. */
  readonly streamId = newStreamId();
  readonly store: SnapshotStore<TailSnapshot>;
  private readonly lines: LineStore;
  private readonly flow: PaneFlow;
  private readonly api: TailApi;
  readonly terminal: T;
  private unsubscribe: Array<() => void> = [];
  private opened = false;
  private closed = false;
  private shown = 0;

  constructor(
    readonly container: string,
    private readonly profileId: string | undefined,
    initialFilter: Partial<Filter>,
    deps: TailDeps<T>,
    /** A merged tab: these containers in one pane (`container` is then the tab's label). */
    readonly containers?: string[],
  ) {
    this.api = deps.api;
    this.terminal = deps.terminal;
    this.lines = new LineStore(initialFilter);
    this.store = new SnapshotStore<TailSnapshot>({
      streamId: null,
      status: null,
      error: null,
      following: true,
      waiting: 0,
      kept: 0,
      shown: 0,
      filter: this.lines.filter,
      view: { utc: false, wrap: true, pretty: false },
      renderer: 'dom',
      record: null,
    });
    this.flow = new PaneFlow({
      render: (l) => (this.lines.passes(l) ? formatLine(l, this.viewOptions()) : undefined),
      write: (text, done) => {
        writeProbe()?.(text);
        this.terminal.write(text, done);
      },
      // Sent even before logs.open answers: the core streams at once, and its window counts from the first batch.
      ack: (seq) => {
        if (!this.closed) void this.api.call('logs.ack', { streamId: this.streamId, seq }).catch(() => undefined);
      },
      onWritten: (written) => {
        this.shown += written.length;
        this.counters();
        const p = paintProbe();
        if (p && written.length) deps.frames.request(() => p({ streamId: this.streamId, lines: written, paintedAt: Date.now() }));
      },
    });
  }

  getSnapshot = (): TailSnapshot => this.store.get();
  subscribe = (fn: () => void): (() => void) => this.store.subscribe(fn);

  async start(): Promise<void> {
    this.unsubscribe.push(
      this.api.listen('logs.batch', this.streamId, (b) => this.onBatch(b.seq, b.lines)),
      this.api.listen('logs.status', this.streamId, (s) => this.store.update({ status: s })),
      this.api.listen('logs.recording', this.streamId, (r) => this.store.update({ record: r })),
    );
    try {
      await this.api.call('logs.open', {
        ...(this.containers ? { containers: this.containers } : { container: this.container }),
        streamId: this.streamId,
        ...(this.profileId ? { profileId: this.profileId } : {}),
      });
      if (this.closed) {
        void this.api.call('logs.close', { streamId: this.streamId }).catch(() => undefined);
        return;
      }
      this.opened = true;
      this.store.update({ streamId: this.streamId, error: null });
    } catch (e) {
      this.store.update({ error: this.api.errorMessage(e) });
    }
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    if (this.opened) void this.api.call('logs.close', { streamId: this.streamId }).catch(() => undefined);
    this.flow.close();
    this.terminal.dispose();
    this.store.dispose();
  }

  // ---- data path --------------------------------------------------------------------------------

  /** Extensions that wrote a line of this tail (their names in the pane are links). */
  readonly extensions = new Set<string>();
  /** In a merged tab: the container an extension's last line came from (where its link leads). */
  readonly extensionHome = new Map<string, string>();

  private onBatch(seq: number, lines: LogLine[]): void {
    for (const l of lines)
      if (l.wt) {
        this.extensions.add(l.wt);
        if (l.container) this.extensionHome.set(l.wt, l.container);
      }
    this.lines.add(lines);
    this.flow.onBatch(seq, lines);
    if (!this.flow.following) this.counters();
  }

  private viewOptions(): ViewOptions {
    return { ...this.store.get().view, cols: this.terminal.cols };
  }

  private counters(): void {
    this.store.update({ waiting: this.flow.waiting, kept: this.lines.size, shown: this.shown }, false);
  }

  // ---- user actions -------------------------------------------------------------------------------

  pause(): void {
    if (!this.flow.following) return;
    this.flow.pause();
    this.store.update({ following: false, waiting: this.flow.waiting });
  }

  /** Follow again: write what waited, jump to the bottom. */
  follow(): void {
    this.flow.follow();
    this.store.update({ following: true, waiting: 0 });
    this.terminal.scrollToBottom();
  }

  setFilter(patch: Partial<Filter>): void {
    this.lines.setFilter(patch);
    this.store.update({ filter: this.lines.filter, filterError: this.lines.filterError });
    this.redraw();
  }

  setView(patch: Partial<TailSnapshot['view']>): void {
    const before = this.store.get().view.pretty;
    const pretty = patch.pretty !== undefined && patch.pretty !== before ? patch.pretty : undefined;
    this.store.update({ view: { ...this.store.get().view, ...patch } });
    if (pretty === undefined || !this.opened) return this.redraw();
    void this.fetchJson(pretty).finally(() => this.redraw());
  }

  /** Records carry their JSON only while it is shown: ask for it from now on, and for what is kept. */
  private async fetchJson(pretty: boolean): Promise<void> {
    const streamId = this.streamId;
    try {
      await this.api.call('logs.options', { streamId, json: pretty });
      if (!pretty) return;
      const { records } = await this.api.call('logs.records', { streamId, from: this.lines.first?.n ?? 0 });
      const byN = new Map(records.map((r) => [r.n, r.json]));
      // One new object per old one: kept and waiting lines are the same objects, and redraw relies on that.
      const swapped = new Map<LogLine, LogLine>();
      const withJson = (l: LogLine): LogLine => {
        const json = l.kind === 'rec' && !l.json ? byN.get(l.n) : undefined;
        if (json === undefined) return l;
        let x = swapped.get(l);
        if (!x) swapped.set(l, (x = { ...l, json }));
        return x;
      };
      this.lines.map(withJson);
      this.flow.mapWaiting(withJson);
    } catch (e) {
      this.store.update({ error: this.api.errorMessage(e) });
    }
  }

  /** Re-draws the kept lines with the current filter and view (the last scrollback's worth that match). */
  redraw(): void {
    const view = this.viewOptions();
    const matching = this.lines.forRedraw(this.flow.waitingSet());
    let text = '';
    for (const l of matching) text += formatLine(l, view);
    this.shown = matching.length;
    this.terminal.reset();
    this.flow.rewrite(text, () => {
      if (this.flow.following) this.terminal.scrollToBottom();
      this.counters();
    });
  }

  /** The terminal's width changed: a no-wrap view re-cuts its lines. */
  resized(): void {
    if (!this.store.get().view.wrap) this.redraw();
  }

  clear(): void {
    this.lines.clear();
    this.flow.clearWaiting();
    this.shown = 0;
    this.terminal.reset();
    if (this.opened) void this.api.call('logs.clear', { streamId: this.streamId }).catch(() => undefined);
    this.counters();
  }

  /** Reconnects now: every container, or (in a merged tab) one. */
  retry(container?: string): void {
    if (this.opened)
      void this.api
        .call('logs.retry', { streamId: this.streamId, ...(container ? { container } : {}) })
        .catch((e: unknown) => this.store.update({ error: this.api.errorMessage(e) }));
  }

  /** In a merged tab: stop (or start again) sending one container's lines; its chip counts what it skipped. */
  mute(container: string, muted: boolean): void {
    if (this.opened)
      void this.api
        .call('logs.mute', { streamId: this.streamId, container, muted })
        .catch((e: unknown) => this.store.update({ error: this.api.errorMessage(e) }));
  }

  /** In a merged tab: only this container's lines (again: every container's). */
  solo(container: string): void {
    this.setFilter({ container: this.lines.filter.container === container ? '' : container });
  }

  find(term: string, backwards = false): boolean {
    if (!term) {
      this.terminal.clearSearch();
      this.store.update({ searchResults: undefined });
      return false;
    }
    return this.terminal.find(term, backwards);
  }

  /** The selection, or every kept line that passes the filter, as plain text. */
  copyText(): string {
    return this.terminal.getSelection() || this.lines.text(this.store.get().view.utc);
  }

  /** Records every line to a file the host picks (the core writes; a paused pane does not slow it). */
  async startRecording(suggestedName: string): Promise<'recording' | 'cancelled'> {
    if (!this.opened) throw new Error('The tail is not open.');
    const r = await this.api.call('logs.record.start', { streamId: this.streamId, suggestedName });
    if (r.status) this.store.update({ record: r.status });
    return r.outcome;
  }

  async stopRecording(): Promise<RecordStatus> {
    const r = await this.api.call('logs.record.stop', { streamId: this.streamId });
    this.store.update({ record: r });
    return r;
  }

  /** Whole lines from the core (not cut for display), for "save". */
  async bufferText(): Promise<{ text: string; lines: number; oldestDropped: number }> {
    if (!this.opened) throw new Error('The tail is not open.');
    return this.api.call('logs.buffer', { streamId: this.streamId });
  }
}
