// Parts of the fleet engines that need no cluster: log id dating, the RE2 matcher (linear time on a
// catastrophic pattern), the rate-limit gate's reading of headers, CSV output and the needs-attention rule.
import { describe, expect, it } from 'vitest';
import { needsAttention, type FleetRow } from '../../common/contract/fleet';
import { compileCodeMatcher } from '../../core/fleet/matcher';
import { logIdTime } from '../../core/fleet/logid';
import { RateGate, runPool } from '../../core/fleet/gate';
import { scanCsv } from '../../core/fleet/export';
import { discoverWithProgress } from '../../core/fleet/discover';
import { Progress, type ProgressReport } from '../../core/fleet/progress';
import type { FleetWire, WireItem } from '../../core/fleet/wire';
import { HostError } from '../../core/util/errors';
import { fleetLogId } from '../../emulator/fleet-seed';

describe('logIdTime', () => {
  it("dates Auth0's layout and the emulator's, and refuses the rest", () => {
    expect(new Date(logIdTime('90020230726131118200088000000000000001223372038981421504')!).toISOString()).toBe('2023-07-26T13:11:18.200Z');
    const t = Date.parse('2026-12-01T10:00:00.123Z');
    expect(logIdTime(fleetLogId(t))).toBe(t);
    expect(logIdTime('1'.repeat(56))).toBeNull();
    expect(logIdTime('9002023')).toBeNull();
    expect(logIdTime(`90020${'0'.repeat(51)}`)).toBeNull();
  });
});

describe('code matcher', () => {
  it('finds text case-insensitively with ranges, and regexes with RE2 syntax', () => {
    const m = compileCodeMatcher({ pattern: 'jwt.decode(', regex: false, caseSensitive: false });
    const r = m.match('line one\n  var c = JWT.decode(x); jwt.decode(y)\nthree\n')!;
    expect(r.total).toBe(1);
    expect(r.lines[0]).toEqual({
      line: 2,
      text: '  var c = JWT.decode(x); jwt.decode(y)',
      ranges: [
        [10, 21],
        [25, 36],
      ],
    });
    expect(m.match('jwtXdecode(')).toBeNull(); // text mode: the dot is a dot
    const rx = compileCodeMatcher({ pattern: '^\\s*var (\\w+) = require', regex: true, caseSensitive: true });
    expect(rx.match("var a = require('x');\n  var b = require('y');\nconst c = require('z');")!.lines.map((l) => l.line)).toEqual([1, 2]);
  });

  it('refuses what RE2 cannot run, in words', () => {
    expect(() => compileCodeMatcher({ pattern: '(a)\\1', regex: true, caseSensitive: false })).toThrow(/RE2 syntax/);
    expect(() => compileCodeMatcher({ pattern: '([a-z]', regex: true, caseSensitive: false })).toThrow(/cannot be used/);
  });

  it('cuts long lines around the match and keeps the ranges on the match', () => {
    const line = `${'x'.repeat(5000)}NEEDLE${'y'.repeat(5000)}`;
    const r = compileCodeMatcher({ pattern: 'needle', regex: false, caseSensitive: false }).match(line)!;
    const [s, e] = r.lines[0]!.ranges[0]!;
    expect(r.lines[0]!.text.length).toBe(400);
    expect(r.lines[0]!.text.slice(s, e)).toBe('NEEDLE');
  });

  it('runs (a+)+$ over 1,000,000 characters to the end (RE2: linear, where a backtracking engine never finishes)', () => {
    const m = compileCodeMatcher({ pattern: '(a+)+$', regex: true, caseSensitive: true });
    // JavaScript's RegExp would not finish this even for 40 characters (2^40 paths), and a quadratic
    // engine not for 1,000,000 (1e12 steps) within the test's time-out; the linear ratio is bench/fleet.ts's figure.
    expect(m.match(`${'a'.repeat(1_000_000)}b\n`)).toBeNull();
    expect(m.match(`${'a'.repeat(1_000_000)}\n`)).not.toBeNull();
  });
});

describe('discovery with progress (the scan and the search)', () => {
  /** A wire whose cross-container pages are scripted: items per page, or an error. */
  const wireOf = (pages: Array<number | Error>) => {
    const asked: number[] = [];
    const wire = {
      requests: 0,
      gate: new RateGate(),
      crossPage: async (offset: number, limit: number): Promise<WireItem[]> => {
        asked.push(offset);
        const p = pages[offset / limit];
        if (p === undefined) return [];
        if (p instanceof Error) throw p;
        return Array.from({ length: p }, (_, i) => ({ container: `t${offset + i}`, name: 'x' }));
      },
    };
    return { wire: wire as unknown as FleetWire, asked };
  };
  const run = async (pages: Array<number | Error>) => {
    const reports: ProgressReport[] = [];
    const { wire } = wireOf(pages);
    const progress = new Progress(wire, (p) => reports.push(p), 0);
    const r = await discoverWithProgress(wire, { window: 2, pageSize: 3 }, progress);
    return { r, reports, progress };
  };

  it('counts every page into the progress and hands back what it found', async () => {
    const { r, reports, progress } = await run([3, 3, 1]);
    expect(r.end).toBeUndefined();
    expect([...r.found!.byContainer.keys()]).toHaveLength(7);
    expect(r.found!.complete).toBe(true);
    expect(progress.discovered).toBe(7);
    expect(reports.map((p) => p.discovered)).toEqual(expect.arrayContaining([3, 6, 7]));
    expect(reports.every((p) => p.state === 'running')).toBe(true);
  });

  it('ends the job as cancelled, or failed with the reason, when discovery throws', async () => {
    const cancelled = await run([3, new HostError('cancelled', 'Cancelled.')]);
    expect(cancelled.r.found).toBeUndefined();
    expect(cancelled.r.end).toMatchObject({ state: 'cancelled', message: 'Cancelled during discovery.' });
    const denied = await run([new HostError('unauthorized', 'token refused')]);
    expect(denied.r.end).toMatchObject({ state: 'failed', message: 'Discovery failed: token refused' });
    expect(denied.reports.at(-1)).toMatchObject({ state: 'failed' });
  });
});

describe('rate gate', () => {
  it('reads retry-after, then x-ratelimit-reset (epoch seconds), and closes for everyone', () => {
    const now = 1_800_000_000_000;
    expect(RateGate.askedWaitMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(RateGate.askedWaitMs({ 'x-ratelimit-reset': String(now / 1000 + 3) }, now)).toBe(3000);
    expect(RateGate.askedWaitMs({}, now)).toBeNull();
    const g = new RateGate({ now: () => now, baseDelayMs: 100 });
    g.limitedBy({ 'retry-after': '1' }, 0);
    expect(g.until).toBeGreaterThanOrEqual(now + 1000);
    expect(g.limited).toBe(1);
    g.observe({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) });
    expect(g.until).toBe(now + 5000);
  });

  it('waits out a closed gate and stops waiting on cancel', async () => {
    const g = new RateGate();
    g.until = Date.now() + 60_000;
    const ac = new AbortController();
    const p = g.ready(ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('Cancelled');
  });

  it('runs a pool with bounded concurrency and stops taking work on abort', async () => {
    let live = 0;
    let peak = 0;
    const seen: number[] = [];
    const ac = new AbortController();
    await runPool(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        live++;
        peak = Math.max(peak, live);
        seen.push(i);
        await new Promise((r) => setTimeout(r, 1));
        if (i === 19) ac.abort();
        live--;
      },
      ac.signal,
    );
    expect(peak).toBe(4);
    expect(seen.length).toBeLessThan(25);
  });
});

describe('fleet output', () => {
  const row: FleetRow = {
    container: 'acme',
    state: 'ok',
    extensions: 3,
    auth0: { hooks: 2 },
    cron: { active: 1, inactive: 0 },
    failing: [],
    errorCount: 0,
    exports: [],
    maxLagMs: null,
    scannedAt: '2026-12-02T00:00:00.000Z',
  };

  it('needs attention for a failing job, a lag over the threshold, or a row it could not read', () => {
    expect(needsAttention(row, 3_600_000)).toBe(false);
    expect(needsAttention({ ...row, maxLagMs: 3_600_001 }, 3_600_000)).toBe(true);
    expect(
      needsAttention({ ...row, failing: [{ name: 'x', errorCount: 1, lastAt: null, statusCode: 500, state: 'active' }] }, 3_600_000),
    ).toBe(true);
    expect(needsAttention({ ...row, state: 'partial', problem: 'x' }, 3_600_000)).toBe(true);
  });

  it('writes CSV with quoting and defused formulas', () => {
    const text = scanCsv([{ ...row, state: 'partial', problem: '=HYPERLINK("x"), then, "quoted"' }]);
    const [head, line] = text.split('\r\n');
    expect(head).toMatch(/^tenant,state,problem,extensions/);
    expect(line).toContain(`"'=HYPERLINK(""x""), then, ""quoted"""`);
  });
});
