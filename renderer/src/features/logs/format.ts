/**
 * Lines -> terminal text. The core already made customers' text inert; `guard` repeats that here as a
 * last line of defence (cheap, and the pane must never execute a byte it did not write itself), so
 * the only escape sequences xterm ever sees are the SGR colours added below.
 */
import type { LogLine } from '../../../../common/contract';
import { dimSpans as dim, inert, INERT_END, INERT_START, plain } from '../../../../common/logs-text';

export interface ViewOptions {
  utc: boolean;
  wrap: boolean;
  pretty: boolean;
  /** Terminal width, for no-wrap mode. */
  cols: number;
}

export interface Filter {
  minLevel: number;
  text: string;
  regex: boolean;
  sandboxOnly: boolean;
  /** Only lines the extension of this name wrote (the record's `webtask`); '' for all. */
  extension: string;
  /** In a merged tab: only this container's lines, its markers included (a click on its chip); '' for all. */
  container: string;
}

export const emptyFilter: Filter = { minLevel: 0, text: '', regex: false, sandboxOnly: false, extension: '', container: '' };

const ESC = '\x1b';
const SGR = (codes: string) => `${ESC}[${codes}m`;
const RESET = SGR('0');
const DIM_ON = SGR('2;3');
const DIM_OFF = SGR('22;23');

/** The core's rule again (common/logs-text.ts), keeping the core's markers: the pane never executes a byte it did not write. */
export const guard = (s: string): string => inert(s, { keepMarkers: true });

export const plainText = plain;

export const LEVELS: Array<{ value: number; label: string; sgr: string }> = [
  { value: 10, label: 'TRACE', sgr: '90' },
  { value: 20, label: 'DEBUG', sgr: '36' },
  { value: 30, label: 'INFO ', sgr: '32' },
  { value: 40, label: 'WARN ', sgr: '33' },
  { value: 50, label: 'ERROR', sgr: '31;1' },
  { value: 60, label: 'FATAL', sgr: '97;41;1' },
];

// xterm's DOM renderer re-builds every row of the viewport, one span per colour run, on each frame a
// tail scrolls. So the fixed columns of a record row are as few runs as possible: each column's
// trailing space takes that column's colour (it looks the same: no background), 4 spans a row instead
// of 7. A run with a background or an underline keeps its space outside. Each run starts with a reset
// ("0;") so no attribute (bold) carries over into the next.
const NO_LEVEL_TAG = `${SGR('0;90')}  -   `;
const LEVEL_TAGS = LEVELS.map((l) => `${SGR(`0;${l.sgr}`)}${l.label}${/(^|;)(4|4\d|10\d)(;|$)/.test(l.sgr) ? `${RESET} ` : ' '}`);

/** The level column and the space after it. */
function levelTag(level: number | undefined): string {
  if (level === undefined) return NO_LEVEL_TAG;
  let pick = 0;
  for (let i = 0; i < LEVELS.length; i++) if (level >= LEVELS[i]!.value) pick = i;
  return LEVEL_TAGS[pick]!;
}

const TAG_RAW = `${SGR('0;35')}raw `;
const TAG_EXT = `${SGR('0;34')}ext `;
const TAG_SYS = `${SGR('0;90')}sys `;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
// Lines of one second share "HH:MM:SS": formatted once per second, not once per line (a Date and four
// pads per line were most of the pane's per-line cost).
const secondCache = { utc: { sec: NaN, text: '' }, local: { sec: NaN, text: '' } };
export function formatTime(t: number | undefined, utc: boolean): string {
  if (t === undefined) return utc ? '--:--:--.---Z' : '--:--:--.---';
  const sec = Math.floor(t / 1000);
  const c = utc ? secondCache.utc : secondCache.local;
  if (c.sec !== sec) {
    const d = new Date(t);
    c.sec = sec;
    c.text = utc
      ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
      : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  const ms = t - sec * 1000;
  return `${c.text}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}${utc ? 'Z' : ''}`;
}

/** Compiles the filter once; an invalid regex is reported, not thrown. */
export function compileFilter(f: Filter): { test: (l: LogLine) => boolean; error?: string } {
  let textTest: ((s: string) => boolean) | undefined;
  let error: string | undefined;
  if (f.text) {
    if (f.regex) {
      try {
        const rx = new RegExp(f.text, 'i');
        textTest = (s) => rx.test(s);
      } catch (e) {
        error = `Invalid regular expression: ${(e as Error).message}`;
      }
    } else {
      const needle = f.text.toLowerCase();
      textTest = (s) => s.toLowerCase().includes(needle);
    }
  }
  return {
    error,
    test: (l) => {
      // Solo is the one filter that hides another container's markers too (a line of no container, the
      // merge's own "Stopped", stays).
      if (f.container && l.container !== undefined && l.container !== f.container) return false;
      // The console's own markers are always shown: a filter must not hide a gap.
      if (l.kind === 'gap' || l.kind === 'info') return true;
      if (f.minLevel && (l.level ?? 30) < f.minLevel) return false;
      if (f.sandboxOnly && l.sb !== 1) return false;
      if (f.extension && l.wt !== f.extension) return false;
      // The text filter matches the extension's name too.
      if (textTest && !textTest(plainText(l.msg)) && !(l.wt && textTest(l.wt))) return false;
      return true;
    },
  };
}

/** Cuts to `n` visible characters (markers do not count), closing a dim span left open. */
function cutVisible(s: string, n: number): string {
  let count = 0;
  let open = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === INERT_START) open = true;
    else if (ch === INERT_END) open = false;
    else if (++count > n) return `${s.slice(0, i)}${open ? INERT_END : ''}${DIM_ON}…${DIM_OFF}`;
  }
  return s;
}

const dimSpans = (s: string) => dim(s, DIM_ON, DIM_OFF);

const PREFIX_WIDTH = 13 + 1 + 5 + 1 + 4; // time, level, source tag
const INDENT = ' '.repeat(PREFIX_WIDTH);
const INDENT_UTC = ' '.repeat(PREFIX_WIDTH + 1);

/** Colours of containers in a merged tab, readable on the pane's dark background (also the chips' colours). */
export const CONTAINER_PALETTE = [
  '#61afef',
  '#e5c07b',
  '#98c379',
  '#c678dd',
  '#56b6c2',
  '#e06c75',
  '#d19a66',
  '#7aa2f7',
  '#9ece6a',
  '#f7768e',
  '#bb9af7',
  '#2ac3de',
] as const;

/** A container's colour: a hash of its name (FNV-1a), so it is the same in every tab and every session. */
export function containerColour(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return CONTAINER_PALETTE[(h >>> 0) % CONTAINER_PALETTE.length]!;
}

// The prefix of a container's lines, made once per container (truecolour SGR of its palette colour).
const prefixes = new Map<string, string>();
function containerPrefix(name: string): string {
  let p = prefixes.get(name);
  if (p === undefined) {
    const hex = containerColour(name);
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(';');
    p = `${SGR(`38;2;${rgb}`)}${guard(name)}${RESET} `;
    if (prefixes.size > 1000) prefixes.clear();
    prefixes.set(name, p);
  }
  return p;
}

/** One log line as terminal text ending in CRLF; in a merged tab, after its container's name in its colour. */
export function formatLine(l: LogLine, v: ViewOptions): string {
  if (l.container === undefined) return formatOwn(l, v, v.utc ? INDENT_UTC : INDENT);
  const indent = ' '.repeat(PREFIX_WIDTH + (v.utc ? 1 : 0) + l.container.length + 1);
  return containerPrefix(l.container) + formatOwn(l, v, indent);
}

function formatOwn(l: LogLine, v: ViewOptions, indent: string): string {
  // The time and the space after it, one grey run (see LEVEL_TAGS).
  const time = `${SGR('90')}${formatTime(l.t, v.utc)} `;
  if (l.kind === 'gap') return `${time}${SGR('0;30;43')} GAP ${RESET} ${SGR('33')}${guard(l.msg)}${RESET}\r\n`;
  if (l.kind === 'info') return `${time}${SGR('0;30;46')} ··· ${RESET} ${SGR('36')}${guard(l.msg)}${RESET}\r\n`;
  const tag = l.kind === 'raw' ? TAG_RAW : l.sb ? TAG_EXT : TAG_SYS;
  // The extension's name, underlined: a link to it (see terminal.ts). The message starts with a reset.
  const ext = l.wt ? `${SGR('0;4;94')}${guard(l.wt)}${RESET} ` : RESET;
  let msg = guard(l.msg);
  let body: string;
  if (v.wrap) {
    body = msg.includes('\n') ? dimSpans(msg).split('\n').join(`\r\n${indent}`) : dimSpans(msg);
  } else {
    const room = Math.max(10, v.cols - indent.length - 1 - (l.wt ? l.wt.length + 1 : 0));
    const first = msg.split('\n', 1)[0]!;
    const more = msg.length > first.length ? `${DIM_ON} ⏎…${DIM_OFF}` : '';
    msg = cutVisible(first, room);
    body = dimSpans(msg) + more;
  }
  let out = `${time}${levelTag(l.level)}${tag}${ext}${l.level !== undefined && l.level >= 50 ? SGR('31') : ''}${body}${RESET}\r\n`;
  if (v.pretty) out += prettyJson(l, indent);
  return out;
}

function prettyJson(l: LogLine, indent: string): string {
  if (l.kind !== 'rec') return '';
  if (!l.json) return `${indent}${DIM_ON}(record too large to pretty-print here; the saved file keeps it)${DIM_OFF}\r\n`;
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(l.json), null, 2);
  } catch {
    return '';
  }
  return `${SGR('90')}${dimSpans(guard(text))
    .split('\n')
    .map((s) => indent + s)
    .join('\r\n')}${RESET}\r\n`;
}

/** For "copy": what the line says, without colours or dim markers. */
export function lineAsText(l: LogLine, utc: boolean): string {
  const lvl = l.kind === 'rec' ? (LEVELS.findLast((x) => (l.level ?? 30) >= x.value)?.label ?? '') : l.kind.toUpperCase();
  return `${l.container !== undefined ? `${plainText(guard(l.container))} ` : ''}${formatTime(l.t, utc)} ${lvl.trim()} ${l.wt ? `${plainText(guard(l.wt))} ` : ''}${plainText(guard(l.msg))}`;
}
