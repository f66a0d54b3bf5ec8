// Terminal safety: a corpus of hostile log lines goes through the core (parseData / inert) and the
// pane's formatter; what would reach xterm holds no control character and no escape sequence except
// the console's own SGR colours, and every hostile byte is still visible.
import { describe, expect, it } from 'vitest';
import { escapeForFile, inert, parseData, plain, truncateForDisplay } from '../../core/logs';
import { compileFilter, emptyFilter, formatLine, guard } from '../../renderer/src/features/logs/format';
import type { LogLine } from '../../common/contract';

const HOSTILE: Array<[name: string, text: string, mustShow: string]> = [
  ['OSC 52 clipboard write (BEL)', 'x\x1b]52;c;cm0gLXJmIH4=\x07y', '\\x1b]52;c;cm0gLXJmIH4=\\x07'],
  ['OSC 52 clipboard write (ST)', '\x1b]52;p;ZXZpbA==\x1b\\', '\\x1b]52;p;ZXZpbA==\\x1b\\'],
  ['OSC 8 hyperlink', '\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\', '\\x1b]8;;https://evil.example/'],
  ['OSC 0 title', '\x1b]0;PWNED\x07', '\\x1b]0;PWNED\\x07'],
  ['OSC 2 title (ST)', '\x1b]2;title\x1b\\', '\\x1b]2;title'],
  ['clear screen + home', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
  ['full reset (RIS)', '\x1bc', '\\x1bc'],
  ['cursor up / save / restore', '\x1b[10A\x1b7\x1b8\x1b[s\x1b[u', '\\x1b[10A'],
  ['alternate screen', '\x1b[?1049h', '\\x1b[?1049h'],
  ['bell', 'ding\x07\x07', '\\x07\\x07'],
  ['customer SGR colours', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
  ['device attributes query (reply injection)', '\x1b[c\x1b[>c\x1b[6n', '\\x1b[c'],
  ['DCS request (XTGETTCAP)', '\x1bP+q544e\x1b\\', '\\x1bP+q544e'],
  ['C1 CSI clear', 'a\x9b2Jb', '\\x9b2J'],
  ['C1 OSC title with C1 ST', '\x9d0;title\x9c', '\\x9d0;title\\x9c'],
  ['C1 DCS', '\x90+q\x9c', '\\x90+q\\x9c'],
  ['carriage return overwrite', 'all good\rHACKED  ', 'all good\\x0dHACKED'],
  ['backspaces', 'rm -rf /\x08\x08\x08\x08\x08\x08\x08\x08ls', '\\x08\\x08\\x08'],
  ['NUL and DEL', 'a\x00b\x7fc', 'a\\x00b\\x7fc'],
  ['bidi override (Trojan Source)', 'user\u202Egnp.exe', '<U+202E>'],
  ['private-use marker spoof', 'x\uE000\x1b[2Jy\uE001', '<U+E000>'],
  ['vertical tab, form feed, SO/SI', '\x0b\x0c\x0e\x0f', '\\x0b\\x0c\\x0e\\x0f'],
];

// eslint-disable-next-line no-control-regex
const CONSOLE_SGR = /\x1b\[[0-9;]*m/g; // the only escape sequences the pane writes itself
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

const view = { utc: true, wrap: true, pretty: true, cols: 120 };

function lineFromRecord(msg: string): LogLine {
  const p = parseData(JSON.stringify({ msg, level: 30, time: '2026-01-01T00:00:00.000Z', sandbox: true, extra: msg }), '1', {
    maxDisplayChars: 16384,
    withJson: true,
  });
  return { ...p.line, n: 1 };
}

describe('hostile log lines are shown, never executed', () => {
  for (const [name, text, mustShow] of HOSTILE) {
    it(name, () => {
      // Core: inert, visible, no controls but "\n".
      const safe = inert(text);
      expect(safe).not.toMatch(ANY_CONTROL);
      expect(plain(safe)).toContain(mustShow);

      // Through a JSON record and a raw (non-JSON) data line, into the pane's formatter.
      for (const line of [lineFromRecord(text), { ...parseData(text, undefined, { maxDisplayChars: 16384 }).line, n: 2 }]) {
        const out = formatLine(line, view);
        const withoutOurs = out.replace(CONSOLE_SGR, '').replace(/\r\n/g, '');
        expect(withoutOurs, JSON.stringify(out)).not.toMatch(ANY_CONTROL);
        expect(withoutOurs).not.toContain('\x1b');
        expect(plain(withoutOurs)).toContain(mustShow);
      }
    });
  }

  it('dims the inert spans with the console own SGR, nothing else', () => {
    const out = formatLine(lineFromRecord('\x1b]0;t\x07'), { ...view, pretty: false });
    expect(out).toContain('\x1b[2;3m\\x1b\x1b[22;23m]0;t\x1b[2;3m\\x07\x1b[22;23m');
  });

  it('the pane guard catches controls even if the core missed them', () => {
    const forged: LogLine = { n: 1, kind: 'rec', msg: 'evil\x1b]52;c;eA==\x07\x9b2J', level: 30 };
    const out = formatLine(forged, view).replace(CONSOLE_SGR, '').replace(/\r\n/g, '');
    expect(out).not.toMatch(ANY_CONTROL);
    expect(plain(out)).toContain('\\x1b]52;c;eA==\\x07\\x9b2J');
    expect(guard('a\tb')).toBe('a  b');
  });

  it('keeps multi-line messages (stack traces) as indented lines, CR LF included', () => {
    const out = formatLine(lineFromRecord('Error: boom\r\n    at f (x.js:1:1)\n    at g (y.js:2:2)'), { ...view, pretty: false });
    expect(out.split('\r\n').length).toBe(4);
    expect(out).not.toContain('\\x0d');
  });

  it('tolerates non-JSON data lines: shown raw, marked raw', () => {
    const p = parseData('plain text from a proxy {not json', undefined, { maxDisplayChars: 100 });
    expect(p.line.kind).toBe('raw');
    expect(p.line.msg).toBe('plain text from a proxy {not json');
    expect(formatLine({ ...p.line, n: 1 }, view)).toContain('raw');
  });

  it('cuts a 1 MB line for display with its size, the saved form keeps all of it', () => {
    const big = 'A'.repeat(1024 * 1024) + 'END';
    const p = parseData(JSON.stringify({ msg: big, level: 30 }), '9', { maxDisplayChars: 16384, withJson: true });
    expect(p.line.msg.length).toBeLessThan(17_000);
    expect(p.line.size).toBe(1024 * 1024 + 3);
    expect(plain(p.line.msg)).toMatch(/line cut for display: 1\.0 MB/);
    expect(p.line.json).toBeUndefined(); // too big to pretty-print in the pane
    expect(JSON.parse(p.full).msg).toBe(big);
    expect(formatLine({ ...p.line, n: 1 }, view)).toContain('too large to pretty-print');
  });

  it('never cuts inside a surrogate pair or leaves an inert span open', () => {
    const t = truncateForDisplay(`${'x'.repeat(9)}😀tail`, 10);
    expect(t.text.startsWith('x'.repeat(9) + '\uE000')).toBe(true);
    const u = truncateForDisplay(inert('\x1b'.repeat(50)), 10);
    expect(u.text.split('\uE000').length).toBe(u.text.split('\uE001').length);
  });

  it('saved lines escape controls as JSON does: still valid JSON, still inert', () => {
    const rec = JSON.stringify({ msg: 'a\x9b2Jb\u202e' });
    const saved = escapeForFile(rec);
    expect(saved).not.toMatch(ANY_CONTROL);
    expect(JSON.parse(saved).msg).toBe('a\x9b2Jb\u202e');
  });

  it('filters: minimum level, text, regex, extension output only; gaps always shown', () => {
    const lines: LogLine[] = [
      { n: 1, kind: 'rec', msg: 'db timeout', level: 50, sb: 1 },
      { n: 2, kind: 'rec', msg: 'started', level: 30 },
      { n: 3, kind: 'gap', msg: 'Gap', gap: { from: 0, to: 1, missed: null } },
    ];
    const pick = (f: Partial<typeof emptyFilter>) => lines.filter(compileFilter({ ...emptyFilter, ...f }).test).map((l) => l.n);
    expect(pick({ minLevel: 40 })).toEqual([1, 3]);
    expect(pick({ text: 'TIMEOUT' })).toEqual([1, 3]);
    expect(pick({ text: '^st', regex: true })).toEqual([2, 3]);
    expect(pick({ sandboxOnly: true })).toEqual([1, 3]);
    expect(compileFilter({ ...emptyFilter, text: '(', regex: true }).error).toMatch(/Invalid regular expression/);
  });
});
