/**
 * Code matching with RE2 semantics (re2js): linear in the size of the code whatever the pattern, so
 * no customer code and no pattern (`(a+)+$` on a long line) can hang the console. Plain text goes
 * through the same engine, quoted. Patterns are never handed to JavaScript's backtracking RegExp.
 */
import { RE2JS } from 're2js';
import type { HitLine } from '../../common/contract/fleet';
import { HostError } from '../util/errors';

export const MAX_LINES = 20;
const MAX_RANGES = 50;
const LINE_WIDTH = 400;

export interface CodeMatch {
  lines: HitLine[];
  /** Matching lines in all. */
  total: number;
}

export interface CodeMatcher {
  /** The matching lines of `code` (at most MAX_LINES listed), or null when none matches. */
  match(code: string): CodeMatch | null;
}

export function compileCodeMatcher(q: { pattern: string; regex: boolean; caseSensitive: boolean }): CodeMatcher {
  let re: RE2JS;
  try {
    // MULTILINE: ^ and $ are line boundaries, the same on the whole text (the quick test) as per line.
    re = RE2JS.compile(q.regex ? q.pattern : RE2JS.quote(q.pattern), (q.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE) | RE2JS.MULTILINE);
  } catch (e) {
    throw new HostError(
      'invalid_input',
      `The regular expression cannot be used: ${e instanceof Error ? e.message : String(e)}. Patterns follow RE2 syntax (no backreferences or lookarounds).`,
    );
  }
  return {
    match(code) {
      // Most code does not match at all: one pass over the whole text decides that.
      if (!re.matcher(code).find()) return null;
      const lines: HitLine[] = [];
      let total = 0;
      let start = 0;
      for (let n = 1; start <= code.length; n++) {
        const nl = code.indexOf('\n', start);
        const end = nl === -1 ? code.length : nl;
        const line = code.slice(start, end);
        const m = re.matcher(line);
        if (m.find()) {
          total++;
          if (lines.length < MAX_LINES) {
            const ranges: Array<[number, number]> = [];
            do {
              ranges.push([m.start(), m.end()]);
            } while (ranges.length < MAX_RANGES && m.find());
            lines.push(cut(n, line, ranges));
          }
        }
        if (nl === -1) break;
        start = nl + 1;
      }
      return total > 0 ? { lines, total } : null;
    },
  };
}

/** A long line is shown around its first match, with the ranges moved to match. */
function cut(line: number, text: string, ranges: Array<[number, number]>): HitLine {
  if (text.length <= LINE_WIDTH) return { line, text, ranges };
  const from = Math.max(0, Math.min(ranges[0]![0] - 80, text.length - LINE_WIDTH));
  const to = from + LINE_WIDTH;
  return {
    line,
    text: text.slice(from, to),
    ranges: ranges
      .filter(([s, e]) => e > from && s < to)
      .map(([s, e]) => [Math.max(0, s - from), Math.min(LINE_WIDTH, e - from)] as [number, number]),
  };
}
