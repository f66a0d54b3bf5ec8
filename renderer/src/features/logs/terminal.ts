/**
 * The pane's terminal: xterm set up for logs (no input, OSC handlers that do nothing, links only
 * through a confirmed http(s) path, WebGL only on a real GPU). The controller sees it as a
 * `PaneTerminal`, so it can be driven without a browser in unit tests.
 */
import { Terminal, type IDisposable, type ILink } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebglAddon } from '@xterm/addon-webgl';
import { PANE_SCROLLBACK } from '../../../../common/logs-flow';
import { call } from '../../api';
import type { PaneTerminal } from './controller';

export interface PaneTerminalEvents {
  /** The user scrolled up (not output scrolling the viewport). */
  onUserScrollUp(): void;
  onSearchResults(r: { index: number; count: number } | undefined): void;
  onRenderer(renderer: 'webgl' | 'dom', note?: string): void;
  /** Whether `name` is an extension some shown line came from (a customer's text cannot make a link of its own). */
  isExtension(name: string): boolean;
  openExtension(name: string): void;
}

// The first row of a record: (in a merged tab its container,) time, level, source tag, then the extension's name (format.ts).
const EXTENSION_COLUMN = /^((?:[A-Za-z0-9_.-]{1,256} )?\d\d:\d\d:\d\d\.\d{3}Z? .{5} (?:ext|sys|raw) )([A-Za-z0-9_.-]{1,128}) /;

const SEARCH_DECORATIONS = {
  matchBackground: '#5e4a10',
  activeMatchBackground: '#b8860b',
  matchOverviewRuler: '#b8860b',
  activeMatchColorOverviewRuler: '#ffd700',
};

const TERMINAL_OPTIONS = {
  disableStdin: true, // a log pane takes no input: nothing typed can reach anything
  scrollback: PANE_SCROLLBACK,
  convertEol: false,
  cursorBlink: false,
  cursorStyle: 'bar',
  cursorInactiveStyle: 'none',
  allowProposedApi: true, // search decorations
  fontFamily: "ui-monospace, 'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
  fontSize: 12,
  theme: { background: '#14171c', foreground: '#d8dee9', selectionBackground: '#3b4a66' },
} as const;

// Bench only (`__escLogDebug` set before load): a bare xterm with the pane's options, to time its parse rate.
if ((globalThis as { __escLogDebug?: boolean }).__escLogDebug)
  (globalThis as { __escLogNewTerminal?: () => Terminal }).__escLogNewTerminal = () => new Terminal({ ...TERMINAL_OPTIONS });

export class XtermPane implements PaneTerminal {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon();
  private webgl: WebglAddon | undefined;
  private readonly disposables: IDisposable[] = [];
  private host: HTMLElement | undefined;
  private userIntentAt = 0;
  /** Called after a fit changed the width (no-wrap views re-draw). */
  onResize?: () => void;

  constructor(private readonly events: PaneTerminalEvents) {
    this.term = new Terminal({
      ...TERMINAL_OPTIONS,
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
    this.disposables.push(
      this.search.onDidChangeResults((r) => this.events.onSearchResults(r ? { index: r.resultIndex, count: r.resultCount } : undefined)),
    );
    this.disposables.push(
      this.term.onScroll(() => {
        const b = this.term.buffer.active;
        // Scrolling up stops following; the jump-to-bottom button resumes. Only a scroll the user made
        // (wheel, scrollbar, keys in the last moment) counts: output scrolls the viewport too, and a
        // tail that paused itself under a flood would stall until someone clicked.
        if (b.viewportY < b.baseY && Date.now() - this.userIntentAt < 600) this.events.onUserScrollUp();
      }),
    );
  }

  get cols(): number {
    return this.term.cols;
  }

  write(text: string, done: () => void): void {
    this.term.write(text, done);
  }

  reset(): void {
    this.term.reset();
  }

  scrollToBottom(): void {
    this.term.scrollToBottom();
  }

  getSelection(): string {
    return this.term.getSelection();
  }

  find(term: string, backwards: boolean): boolean {
    const opts = { caseSensitive: false, decorations: SEARCH_DECORATIONS };
    return backwards ? this.search.findPrevious(term, opts) : this.search.findNext(term, opts);
  }

  clearSearch(): void {
    this.search.clearDecorations();
  }

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
      if (before !== this.term.cols) this.onResize?.();
    } catch {
      /* not visible yet */
    }
  }

  /** The buffer as text, for tests. */
  text(): string {
    const b = this.term.buffer.active;
    const rows: string[] = [];
    for (let i = 0; i < b.length; i++) rows.push(b.getLine(i)?.translateToString(true) ?? '');
    return rows.join('\n');
  }

  /** Viewport cell of the first occurrence of `needle` (0-based col, row), for tests that click. */
  cellOf(needle: string): { col: number; row: number; cols: number; rows: number } | null {
    const b = this.term.buffer.active;
    for (let row = 0; row < this.term.rows; row++) {
      const col =
        b
          .getLine(b.viewportY + row)
          ?.translateToString(true)
          .indexOf(needle) ?? -1;
      if (col >= 0) return { col, row, cols: this.term.cols, rows: this.term.rows };
    }
    return null;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.webgl?.dispose();
    this.term.dispose();
  }

  private tryWebgl(): void {
    // Test harness only: `__escLogRenderer = 'dom' | 'webgl'` forces one (the bench compares them).
    const forced = (globalThis as { __escLogRenderer?: string }).__escLogRenderer;
    if (forced === 'dom') return;
    // A software rasteriser (SwiftShader, llvmpipe: no GPU, or GPU blocked) makes WebGL slower than the
    // DOM renderer: measured by bench/logs-tail.ts, 2-3x the latency. Use WebGL only on a real GPU.
    if (forced !== 'webgl' && softwareWebgl()) {
      this.events.onRenderer('dom', 'no GPU: WebGL would be software');
      return;
    }
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // The GPU went away: drop to the DOM renderer instead of a blank pane.
        webgl.dispose();
        this.webgl = undefined;
        this.events.onRenderer('dom', 'WebGL context lost');
      });
      this.term.loadAddon(webgl);
      this.webgl = webgl;
      this.events.onRenderer('webgl');
    } catch {
      this.webgl = undefined;
      this.events.onRenderer('dom', 'WebGL unavailable');
    }
  }

  /** http(s) URLs on one buffer row, for xterm's link layer. */
  private linksAt(y: number): ILink[] {
    const row = this.term.buffer.active.getLine(y - 1);
    const line = row?.translateToString(true);
    if (!line) return [];
    const links: ILink[] = [];
    // Not on a soft-wrapped row: there a customer's text could start with what looks like the column.
    const ext = row?.isWrapped ? null : EXTENSION_COLUMN.exec(line);
    if (ext && this.events.isExtension(ext[2]!)) {
      const start = ext[1]!.length + 1;
      const name = ext[2]!;
      links.push({
        range: { start: { x: start, y }, end: { x: start + name.length - 1, y } },
        text: name,
        activate: () => this.events.openExtension(name),
      });
    }
    for (const m of line.matchAll(/https?:\/\/[^\s"'<>`\\]+/g)) {
      const url = m[0].replace(/[).,;:\]]+$/, '');
      const start = (m.index ?? 0) + 1;
      links.push({
        range: { start: { x: start, y }, end: { x: start + url.length - 1, y } },
        text: url,
        activate: () => void openLink(url),
      });
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
