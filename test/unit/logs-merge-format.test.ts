// The merged pane's text: each line after its container's name in a colour that is a hash of the name
// (the same in every tab and session); solo hides other containers' lines and markers; the pattern of
// "Open merged logs" matches whole names.
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../common/contract';
import {
  compileFilter,
  containerColour,
  CONTAINER_PALETTE,
  emptyFilter,
  formatLine,
  lineAsText,
} from '../../renderer/src/features/logs/format';
import { globToRegExp } from '../../renderer/src/features/logs/pattern';

const view = { utc: true, wrap: true, pretty: false, cols: 120 };
const rec = (container: string | undefined, msg: string, extra: Partial<LogLine> = {}): LogLine => ({
  n: 1,
  kind: 'rec',
  msg,
  t: Date.UTC(2026, 0, 1, 12, 0, 0, 5),
  level: 30,
  ...(container ? { container } : {}),
  ...extra,
});
// eslint-disable-next-line no-control-regex -- stripping the pane's own SGR colours is the point
const plainOf = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('merged pane format', () => {
  it('prefixes the container in its stable colour; lines of one tail are unchanged', () => {
    const a = formatLine(rec('acme-prod', 'hello'), view);
    expect(plainOf(a)).toBe('acme-prod 12:00:00.005Z INFO  sys hello\r\n');
    const hex = containerColour('acme-prod');
    expect(CONTAINER_PALETTE).toContain(hex);
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(';');
    expect(a.startsWith(`\x1b[38;2;${rgb}macme-prod\x1b[0m `)).toBe(true);
    expect(containerColour('acme-prod')).toBe(hex);
    // Names spread over the palette (not all one colour).
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(containerColour)).size).toBeGreaterThan(3);
    expect(plainOf(formatLine(rec(undefined, 'hello'), view))).toBe('12:00:00.005Z INFO  sys hello\r\n');
    // Continuation rows indent past the prefix.
    expect(plainOf(formatLine(rec('ab', 'one\ntwo'), view))).toBe(`ab 12:00:00.005Z INFO  sys one\r\n${' '.repeat(28)}two\r\n`);
    expect(lineAsText(rec('globex', 'hi'), true)).toBe('globex 12:00:00.005Z INFO hi');
  });

  it('solo shows one container, its gap markers included, and hides the others with theirs', () => {
    const solo = compileFilter({ ...emptyFilter, container: 'b' }).test;
    expect(solo(rec('a', 'x'))).toBe(false);
    expect(solo(rec('b', 'x'))).toBe(true);
    expect(solo({ n: 2, kind: 'gap', msg: 'Gap', container: 'a' })).toBe(false);
    expect(solo({ n: 3, kind: 'gap', msg: 'Gap', container: 'b' })).toBe(true);
    expect(solo({ n: 4, kind: 'info', msg: 'Stopped: locked' })).toBe(true);
    expect(compileFilter(emptyFilter).test({ n: 2, kind: 'gap', msg: 'Gap', container: 'a' })).toBe(true);
  });

  it('patterns match whole names, * and ? only', () => {
    const rx = globToRegExp('acme-*');
    expect(['acme-prod', 'acme-staging', 'ACME-x', 'globex', 'my-acme-prod'].filter((n) => rx.test(n))).toEqual([
      'acme-prod',
      'acme-staging',
      'ACME-x',
    ]);
    expect(globToRegExp('a.c').test('abc')).toBe(false);
    expect(globToRegExp('ini?ch').test('initech')).toBe(false);
    expect(globToRegExp('ini?ech').test('initech')).toBe(true);
  });
});
