/**
 * One live tail in one tab: the xterm instance, the lines kept for re-filtering, follow / pause, and
 * flow control. Lines arrive in batches from the core; they are written once per animation frame,
 * one `write` at a time, and each batch is acknowledged (`logs.ack`) only once xterm's write callback
 * says it is parsed, so a slow pane slows the core, which stops reading the socket.
 *
 * Kept out of React state on purpose: 20,000 lines/s must not re-render components.
 */
import { Terminal, type IDisposable, type ILink } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebglAddon } from '@xterm/addon-webgl';
import type { LogLine, LogStatus } from '../../../../common/contract';
import { api, call, errorOf } from '../../api';
import { compileFilter, emptyFilter, formatLine, lineAsText, type Filter, type ViewOptions } from './format';

export const SCROLLBACK = 10_000;
/** Lines kept for re-drawing when the filter or view changes (and for "copy all"). */
export const KEEP_LINES = 20_000;
/** While paused, at most this many lines wait; past it, acks stop and the core holds back. */
export const WAIT_CAP = 50_000;
/** At most this much text per frame, so one frame never stalls the page. */
const FRAME_CHARS = 1024 * 1024;

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
}

/** Bench and e2e probes: set on window by the test harness only; absent in normal use. */
type Probe = (info: { streamId: string; lines: LogLine[]; paintedAt: number }) => void;
const probe = (): Probe | undefined => (globalThis as { __escLogProbe?: Probe }).__escLogProbe;
/** Test harness only: with `__escLogDebug` set before load, each tail exposes its xterm buffer as text. */
type DebugTails = Record<string, { text(): string; snapshot(): TailSnapshot; cellOf(needle: string): { col: number; row: number; cols: number; rows: number } | null }>;
const debugTails = (): DebugTails | undefined => {
  const g = globalThis as { __escLogDebug?: boolean; __escLogTails?: DebugTails };
  if (!g.__escLogDebug) return undefined;
  return (g.__escLogTails ??= {});
};

export class TailController {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  readonly search = new SearchAddon();
  private webgl: WebglAddon | undefined;
  private readonly disposables: IDisposable[] = [];
  private unsubscribe: Array<() => void> = [];

  private kept: LogLine[] = [];
  private pending: Array<{ seq: number; lines: LogLine[] }> = [];
  private waiting: LogLine[] = [];
  private heldAck = 0;
  private writing = false;
  private frame = 0;
  private lastAcked = 0;
  private filterFn = compileFilter(emptyFilter).test;
  private closed = false;
  private listeners = new Set<() => void>();
  private snapshot: TailSnapshot;
  private notifyTimer: number | undefined;
  private shown = 0;
  private host: HTMLElement | undefined;
  private userIntentAt = 0;

  constructor(
    readonly container: string,
    private readonly profileId: string | undefined,
    initialFilter: Partial<Filter> = {},
  ) {
    this.snapshot = {
      streamId: null,
      status: null,
      error: null,
      following: true,
      waiting: 0,
      kept: 0,
      shown: 0,
      filter: { ...emptyFilter, ...initialFilter },
      view: { utc: false, wrap: true, pretty: false },
      renderer: 'dom',
    };
    this.filterFn = compileFilter(this.snapshot.filter).test;
    this.term = new Terminal({
      disableStdin: true, // a log pane takes no input: nothing typed can reach anything
      scrollback: SCROLLBACK,
      convertEol: false,
      cursorBlink: false,
      cursorStyle: 'bar',
      cursorInactiveStyle: 'none',
      allowProposedApi: true, // search decorations
      fontFamily: "ui-monospace, 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 12,
      theme: { background: '#14171c', foreground: '#d8dee9', selectionBackground: '#3b4a66' },
      // OSC 8 hyperlinks cannot come from logs (controls are made inert before they get here); any that
      // did would still open only through the same confirmed http(s) path.
      linkHandler: { activate: (_e, uri) => void openLink(uri), allowNonHttpProtocols: false },
    });
    // Defence in depth: even if an escape sequence slipped through, these do nothing.
    for (const osc of [0, 1, 2, 4, 7, 8, 10, 11, 12, 50, 52, 104, 110, 111, 112, 133, 633, 1337]) {
      this.disposables.push(this.term.parser.registerOscHandler(osc, () => true));
    }
    this.disposables.push(this.term.onTitleChange(() => undefined)); // titles never reach the page
    this.disposables.push(this.term.registerLinkProvider({ provideLinks: (y, cb) => cb(this.linksAt(y)) }));
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    const debug = debugTails();
    if (debug) {
      debug[container] = {
        text: () => {
          const b = this.term.buffer.active;
          const rows: string[] = [];
          for (let i = 0; i < b.length; i++) rows.push(b.getLine(i)?.translateToString(true) ?? '');
          return rows.join('\n');
        },
        snapshot: () => this.snapshot,
        /** Viewport cell of the first occurrence of `needle` (0-based col, row), for tests that click. */
        cellOf: (needle: string) => {
          const b = this.term.buffer.active;
          for (let row = 0; row < this.term.rows; row++) {
            const col = b.getLine(b.viewportY + row)?.translateToString(true).indexOf(needle) ?? -1;
            if (col >= 0) return { col, row, cols: this.term.cols, rows: this.term.rows };
          }
          return null;
        },
      };
    }
    this.disposables.push(
      this.search.onDidChangeResults((r) => {
        this.update({ searchResults: r ? { index: r.resultIndex, count: r.resultCount } : undefined });
      }),
    );
    this.disposables.push(
      this.term.onScroll(() => {
        const b = this.term.buffer.active;
        // Scrolling up stops following; the jump-to-bottom button resumes. Only a scroll the user made
        // (wheel, scrollbar, keys in the last moment) counts: output scrolls the viewport too, and a
        // tail that paused itself under a flood would stall until someone clicked.
        if (b.viewportY < b.baseY && this.snapshot.following && Date.now() - this.userIntentAt < 600) this.pause();
      }),
    );
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  attach(el: HTMLElement): void {
    if (this.host === el) return;
    this.host = el;
    if (!this.term.element) {
      this.term.open(el);
      this.tryWebgl();
    } else el.appendChild(this.term.element);
    this.refit();
  }

  /** The user touched the pane (wheel, mouse, keys): a scroll that follows is theirs. */
  noteUserIntent(): void {
    this.userIntentAt = Date.now();
  }

  refit(): void {
    if (!this.host || this.host.clientWidth === 0 || this.host.clientHeight === 0) return;
    try {
      const before = this.term.cols;
      this.fit.fit();
      if (!this.snapshot.view.wrap && before !== this.term.cols) this.redraw();
    } catch {
      /* not visible yet */
    }
  }

  private tryWebgl(): void {
    // Test harness only: `__escLogRenderer = 'dom' | 'webgl'` forces one (the bench compares them).
    const forced = (globalThis as { __escLogRenderer?: string }).__escLogRenderer;
    if (forced === 'dom') return;
    // A software rasteriser (SwiftShader, llvmpipe: no GPU, or GPU blocked) makes WebGL slower than the
    // DOM renderer: measured by bench/logs-tail.ts, 2-3x the latency. Use WebGL only on a real GPU.
    if (forced !== 'webgl' && softwareWebgl()) {
      this.update({ renderer: 'dom', rendererNote: 'no GPU: WebGL would be software' });
      return;
    }
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // The GPU went away: drop to the DOM renderer instead of a blank pane.
        webgl.dispose();
        this.webgl = undefined;
        this.update({ renderer: 'dom', rendererNote: 'WebGL context lost' });
      });
      this.term.loadAddon(webgl);
      this.webgl = webgl;
      this.update({ renderer: 'webgl' });
    } catch {
      this.webgl = undefined;
      this.update({ renderer: 'dom', rendererNote: 'WebGL unavailable' });
    }
  }

  async start(): Promise<void> {
    // Events can outrun the answer to logs.open (the core starts streaming at once): until the id is
    // known, keep what arrives (bounded) and replay this stream's part of it.
    let early: Array<{ batch?: { seq: number; lines: LogLine[]; streamId: string }; status?: LogStatus }> | null = [];
    this.unsubscribe.push(
      api.subscribe('logs.batch', (b) => {
        if (b.streamId === this.snapshot.streamId) this.onBatch(b.seq, b.lines);
        else if (early && early.length < 1000) early.push({ batch: b });
      }),
      api.subscribe('logs.status', (s) => {
        if (s.streamId === this.snapshot.streamId) this.update({ status: s });
        else if (early && early.length < 1000) early.push({ status: s });
      }),
    );
    try {
      const r = await call('logs.open', { container: this.container, ...(this.profileId ? { profileId: this.profileId } : {}) });
      if (this.closed) {
        void call('logs.close', { streamId: r.streamId }).catch(() => undefined);
        return;
      }
      this.update({ streamId: r.streamId, error: null });
      for (const e of early ?? []) {
        if (e.batch?.streamId === r.streamId) this.onBatch(e.batch.seq, e.batch.lines);
        if (e.status?.streamId === r.streamId) this.update({ status: e.status });
      }
    } catch (e) {
      this.update({ error: errorOf(e).message });
    } finally {
      early = null;
    }
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    if (this.snapshot.streamId) void call('logs.close', { streamId: this.snapshot.streamId }).catch(() => undefined);
    cancelAnimationFrame(this.frame);
    for (const d of this.disposables) d.dispose();
    this.webgl?.dispose();
    this.term.dispose();
    this.listeners.clear();
  }

  // ---- state for React ----------------------------------------------------------------------------

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  getSnapshot = (): TailSnapshot => this.snapshot;

  private update(patch: Partial<TailSnapshot>, now = true): void {
    this.snapshot = { ...this.snapshot, ...patch };
    if (now) this.emit();
    // Counters change at line rate: tell React at most 5 times a second.
    else this.notifyTimer ??= window.setTimeout(() => {
      this.notifyTimer = undefined;
      this.emit();
    }, 200);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  private counters(): void {
    this.snapshot = { ...this.snapshot, waiting: this.waiting.length, kept: this.kept.length, shown: this.shown };
    this.update({}, false);
  }

  // ---- data path --------------------------------------------------------------------------------

  private onBatch(seq: number, lines: LogLine[]): void {
    for (const l of lines) this.kept.push(l);
    if (this.kept.length > KEEP_LINES * 1.25) this.kept = this.kept.slice(-KEEP_LINES);
    if (!this.snapshot.following) {
      for (const l of lines) this.waiting.push(l);
      // Paused: lines wait here (counted on screen). Past the cap, stop acking: the core holds back.
      if (this.waiting.length < WAIT_CAP) this.ack(seq);
      else this.heldAck = seq;
      this.counters();
      return;
    }
    this.pending.push({ seq, lines });
    this.schedule();
  }

  private schedule(): void {
    if (this.frame || this.writing || this.closed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.writeFrame();
    });
  }

  private writeFrame(): void {
    if (this.pending.length === 0 || this.closed) return;
    const view = { ...this.snapshot.view, cols: this.term.cols };
    let text = '';
    let lastSeq = 0;
    const written: LogLine[] = [];
    while (this.pending.length > 0 && text.length < FRAME_CHARS) {
      const b = this.pending.shift()!;
      for (const l of b.lines) {
        if (!this.filterFn(l)) continue;
        text += formatLine(l, view);
        written.push(l);
      }
      lastSeq = b.seq;
    }
    this.shown += written.length;
    const done = () => {
      this.writing = false;
      this.ack(lastSeq);
      this.counters();
      const p = probe();
      if (p && written.length) requestAnimationFrame(() => p({ streamId: this.snapshot.streamId ?? '', lines: written, paintedAt: Date.now() }));
      if (this.pending.length) this.schedule();
    };
    if (!text) return done();
    this.writing = true;
    this.term.write(text, done);
  }

  private ack(seq: number): void {
    if (seq <= this.lastAcked || !this.snapshot.streamId) return;
    this.lastAcked = seq;
    void call('logs.ack', { streamId: this.snapshot.streamId, seq }).catch(() => undefined);
  }

  // ---- user actions -------------------------------------------------------------------------------

  pause(): void {
    if (!this.snapshot.following) return;
    // Whatever is queued for the next frame waits too.
    for (const b of this.pending) for (const l of b.lines) this.waiting.push(l);
    const last = this.pending.at(-1)?.seq;
    this.pending = [];
    if (last) this.ack(last);
    this.update({ following: false, waiting: this.waiting.length });
  }

  /** Follow again: write what waited, jump to the bottom. */
  follow(): void {
    const waited = this.waiting;
    this.waiting = [];
    // In slices, so each frame writes a bounded amount (the held ack goes with the last one).
    for (let i = 0; i < waited.length; i += 2_000) {
      this.pending.push({ seq: i + 2_000 >= waited.length ? this.heldAck : 0, lines: waited.slice(i, i + 2_000) });
    }
    this.heldAck = 0;
    this.update({ following: true, waiting: 0 });
    this.term.scrollToBottom();
    this.schedule();
  }

  setFilter(patch: Partial<Filter>): void {
    const filter = { ...this.snapshot.filter, ...patch };
    const compiled = compileFilter(filter);
    this.filterFn = compiled.test;
    this.update({ filter, filterError: compiled.error });
    this.redraw();
  }

  setView(patch: Partial<TailSnapshot['view']>): void {
    const pretty = patch.pretty !== undefined && patch.pretty !== this.snapshot.view.pretty ? patch.pretty : undefined;
    this.update({ view: { ...this.snapshot.view, ...patch } });
    if (pretty === undefined || !this.snapshot.streamId) return this.redraw();
    // Records carry their JSON only while it is shown: ask for it from now on, and for what is kept.
    const streamId = this.snapshot.streamId;
    void (async () => {
      try {
        await call('logs.options', { streamId, json: pretty });
        if (pretty) {
          const first = this.kept[0]?.n ?? 0;
          const { records } = await call('logs.records', { streamId, from: first });
          const byN = new Map(records.map((r) => [r.n, r.json]));
          // One new object per old one: `kept` and `waiting` share lines, and redraw relies on that.
          const swapped = new Map<LogLine, LogLine>();
          const withJson = (l: LogLine): LogLine => {
            const json = l.kind === 'rec' && !l.json ? byN.get(l.n) : undefined;
            if (json === undefined) return l;
            let x = swapped.get(l);
            if (!x) swapped.set(l, (x = { ...l, json }));
            return x;
          };
          this.kept = this.kept.map(withJson);
          this.waiting = this.waiting.map(withJson);
        }
      } catch (e) {
        this.update({ error: errorOf(e).message });
      }
      this.redraw();
    })();
  }

  /** Re-draws the kept lines with the current filter and view (the last SCROLLBACK that match). */
  redraw(): void {
    const view = { ...this.snapshot.view, cols: this.term.cols };
    const waitingSet = this.waiting.length ? new Set(this.waiting) : undefined;
    const matching = this.kept.filter((l) => this.filterFn(l) && !waitingSet?.has(l)).slice(-SCROLLBACK);
    let text = '';
    for (const l of matching) text += formatLine(l, view);
    this.shown = matching.length;
    this.term.reset();
    this.writing = true;
    this.term.write(text, () => {
      this.writing = false;
      if (this.snapshot.following) this.term.scrollToBottom();
      this.counters();
      this.schedule();
    });
  }

  clear(): void {
    this.kept = [];
    this.waiting = [];
    this.shown = 0;
    this.term.reset();
    if (this.snapshot.streamId) void call('logs.clear', { streamId: this.snapshot.streamId }).catch(() => undefined);
    this.counters();
  }

  retry(): void {
    if (this.snapshot.streamId) void call('logs.retry', { streamId: this.snapshot.streamId }).catch((e: unknown) => this.update({ error: errorOf(e).message }));
  }

  find(term: string, backwards = false): boolean {
    if (!term) {
      this.search.clearDecorations();
      this.update({ searchResults: undefined });
      return false;
    }
    const opts = {
      caseSensitive: false,
      decorations: { matchBackground: '#5e4a10', activeMatchBackground: '#b8860b', matchOverviewRuler: '#b8860b', activeMatchColorOverviewRuler: '#ffd700' },
    };
    return backwards ? this.search.findPrevious(term, opts) : this.search.findNext(term, opts);
  }

  /** The selection, or every kept line that passes the filter, as plain text. */
  copyText(): string {
    const sel = this.term.getSelection();
    if (sel) return sel;
    return this.kept
      .filter((l) => this.filterFn(l))
      .map((l) => lineAsText(l, this.snapshot.view.utc))
      .join('\n');
  }

  /** Whole lines from the core (not cut for display), for "save". */
  async bufferText(): Promise<{ text: string; lines: number; oldestDropped: number }> {
    if (!this.snapshot.streamId) throw new Error('The tail is not open.');
    return call('logs.buffer', { streamId: this.snapshot.streamId });
  }

  /** http(s) URLs on one buffer row, for xterm's link layer. */
  private linksAt(y: number): ILink[] {
    const line = this.term.buffer.active.getLine(y - 1)?.translateToString(true);
    if (!line) return [];
    const links: ILink[] = [];
    for (const m of line.matchAll(/https?:\/\/[^\s"'<>`\\]+/g)) {
      const url = m[0].replace(/[).,;:\]]+$/, '');
      const start = (m.index ?? 0) + 1;
      links.push({ range: { start: { x: start, y }, end: { x: start + url.length - 1, y } }, text: url, activate: () => void openLink(url) });
    }
    return links;
  }
}

/** Only http(s), only after the user confirms: the main process asks; the browser host lets the page ask. */
export async function openLink(url: string): Promise<void> {
  if (!/^https?:\/\//i.test(url)) return;
  try {
    const r = await call('app.openExternal', { url });
    if (r.outcome === 'renderer' && window.confirm(`Open this link from a customer's log in a new tab?\n\n${url}`)) {
      window.open(url, '_blank', 'noopener,noreferrer');
    }
  } catch {
    /* refused by the contract (not http(s)): nothing to open */
  }
}

let software: boolean | undefined;
/** True when WebGL is there but drawn by the CPU (the answer does not change during a session). */
function softwareWebgl(): boolean {
  if (software !== undefined) return software;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return (software = false);
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    software = /SwiftShader|llvmpipe|softpipe|Software|Basic Render/i.test(name);
  } catch {
    software = false;
  }
  return software;
}

/** One controller per tab, surviving React re-mounts (StrictMode mounts twice). */
const controllers = new Map<string, { c: TailController; refs: number; timer?: number }>();

/** The tab's controller, made on first use. Until a view holds it, it is disposed after a while. */
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
  window.clearTimeout(entry.timer);
  entry.timer = undefined;
  entry.refs++;
}

export function releaseController(tabId: string): void {
  const entry = controllers.get(tabId);
  if (!entry) return;
  entry.refs--;
  // A re-mount comes back at once (StrictMode); a closed tab does not.
  if (entry.refs <= 0) scheduleDispose(tabId, entry, 500);
}

function scheduleDispose(tabId: string, entry: { c: TailController; refs: number; timer?: number }, ms: number): void {
  window.clearTimeout(entry.timer);
  entry.timer = window.setTimeout(() => {
    if (entry.refs > 0) return;
    controllers.delete(tabId);
    entry.c.dispose();
  }, ms);
}
