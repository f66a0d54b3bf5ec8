/**
 * Lines -> terminal text. The core already made customers' text inert; `guard` repeats that here as a
 * last line of defence (cheap, and the pane must never execute a byte it did not write itself), so
 * the only escape sequences xterm ever sees are the SGR colours added below.
 */
import type { LogLine } from '../../../../common/contract';

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
}

export const emptyFilter: Filter = { minLevel: 0, text: '', regex: false, sandboxOnly: false };

const ESC = '\x1b';
const SGR = (codes: string) => `${ESC}[${codes}m`;
const RESET = SGR('0');
const DIM_ON = SGR('2;3');
const DIM_OFF = SGR('22;23');

// Same rule as core/logs/sanitize.ts (the renderer may not import it): anything that is a control
// becomes visible text; "\n" is handled by the caller.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
export function guard(s: string): string {
  return s.replace(CONTROLS, (ch) => {
    const c = ch.charCodeAt(0);
    if (c === 9) return '  ';
    return `\uE000\\x${c.toString(16).padStart(2, '0')}\uE001`;
  });
}

export const plainText = (s: string): string => (s.includes('\uE000') ? s.replace(/[\uE000\uE001]/g, '') : s);

export const LEVELS: Array<{ value: number; label: string; sgr: string }> = [
  { value: 10, label: 'TRACE', sgr: '90' },
  { value: 20, label: 'DEBUG', sgr: '36' },
  { value: 30, label: 'INFO ', sgr: '32' },
  { value: 40, label: 'WARN ', sgr: '33' },
  { value: 50, label: 'ERROR', sgr: '31;1' },
  { value: 60, label: 'FATAL', sgr: '97;41;1' },
];

function levelTag(level: number | undefined): string {
  if (level === undefined) return `${SGR('90')}  -  ${RESET}`;
  let pick = LEVELS[0]!;
  for (const l of LEVELS) if (level >= l.value) pick = l;
  return `${SGR(pick.sgr)}${pick.label}${RESET}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export function formatTime(t: number | undefined, utc: boolean): string {
  if (t === undefined) return utc ? '--:--:--.---Z' : '--:--:--.---';
  const d = new Date(t);
  return utc
    ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
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
      // The console's own markers are always shown: a filter must not hide a gap.
      if (l.kind === 'gap' || l.kind === 'info') return true;
      if (f.minLevel && (l.level ?? 30) < f.minLevel) return false;
      if (f.sandboxOnly && l.sb !== 1) return false;
      if (textTest && !textTest(plainText(l.msg))) return false;
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
    if (ch === '\uE000') open = true;
    else if (ch === '\uE001') open = false;
    else if (++count > n) return `${s.slice(0, i)}${open ? '\uE001' : ''}${DIM_ON}…${DIM_OFF}`;
  }
  return s;
}

const dimSpans = (s: string) => (s.includes('\uE000') ? s.replace(/\uE000/g, DIM_ON).replace(/\uE001/g, DIM_OFF) : s);

const PREFIX_WIDTH = 13 + 1 + 5 + 1 + 4; // time, level, source tag

/** One log line as terminal text ending in CRLF. */
export function formatLine(l: LogLine, v: ViewOptions): string {
  const time = `${SGR('90')}${formatTime(l.t, v.utc)}${RESET}`;
  if (l.kind === 'gap') return `${time} ${SGR('30;43')} GAP ${RESET} ${SGR('33')}${guard(l.msg)}${RESET}\r\n`;
  if (l.kind === 'info') return `${time} ${SGR('30;46')} ··· ${RESET} ${SGR('36')}${guard(l.msg)}${RESET}\r\n`;
  const tag = l.kind === 'raw' ? `${SGR('35')}raw${RESET} ` : l.sb ? `${SGR('34')}ext${RESET} ` : `${SGR('90')}sys${RESET} `;
  const indent = ' '.repeat(v.utc ? PREFIX_WIDTH + 1 : PREFIX_WIDTH);
  let msg = guard(l.msg);
  let body: string;
  if (v.wrap) {
    body = dimSpans(msg).split('\n').join(`\r\n${indent}`);
  } else {
    const room = Math.max(10, v.cols - indent.length - 1);
    const first = msg.split('\n', 1)[0]!;
    const more = msg.length > first.length ? `${DIM_ON} ⏎…${DIM_OFF}` : '';
    msg = cutVisible(first, room);
    body = dimSpans(msg) + more;
  }
  let out = `${time} ${levelTag(l.level)} ${tag}${l.level !== undefined && l.level >= 50 ? SGR('31') : ''}${body}${RESET}\r\n`;
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
  return `${formatTime(l.t, utc)} ${lvl.trim()} ${plainText(guard(l.msg))}`;
}
