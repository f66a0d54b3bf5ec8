// What the live-tail benches share: the emulator in its own process (its flood loop gets its own core)
// and its admin API, the page's paint probe, and the page set-up around it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CDPSession, Page } from 'playwright-core';

export interface EmulatorProcess {
  url: string;
  masterToken: string;
  child: ChildProcess;
  /** Closes its stdin (it closes itself) and sends SIGTERM in case it does not. */
  stop(): void;
  /** CPU time (ms) its processes (tsx and the node it starts) used so far; NaN where /proc is not there. */
  cpuMs(): number;
}

/**
 * CPU time (user + system, ms) of a process and its children, from /proc (Linux). Under load the
 * emulator's flood can get too little CPU to write what it stamps: the lines then wait in its socket
 * buffer and reach the console late, and the per-step figure shows it.
 */
function cpuMsOfTree(root: number | undefined): number {
  if (root === undefined) return NaN;
  let ms = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        // Fields after "(comm) ": state, ppid, ..., utime (12th), stime (13th), in ticks of 10 ms.
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        if (Number(pid) === root || Number(f[1]) === root) ms += (Number(f[11]) + Number(f[12])) * 10;
      } catch {
        /* the process ended meanwhile */
      }
    }
  } catch {
    return NaN;
  }
  return ms;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** bench/logs-emulator.ts in a child process; resolves once it printed its address. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(resolve('node_modules/.bin/tsx'), ['bench/logs-emulator.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`emulator exited (${c})`)));
  });
  return {
    ...(JSON.parse(first) as { url: string; masterToken: string }),
    child,
    stop: () => {
      child.stdin?.end();
      child.kill('SIGTERM');
    },
    cpuMs: () => cpuMsOfTree(child.pid),
  };
}

/** One admin call with the master token; throws on an error status. */
export async function admin(emu: { url: string; masterToken: string }, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${emu.masterToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

/** What the paint probe keeps in the page, as `globalThis.__bench`. */
export interface BenchState {
  floods: Record<string, { bits: Uint8Array; count: number; last: number }>;
  /** Gap markers painted, per container. */
  gaps: Record<string, number>;
  /** Emit (the record's time) to painted, ms; null while not measuring. */
  lat: number[] | null;
  expect(id: string, n: number): void;
}

/**
 * In the page (for `page.addInitScript(PAGE_PROBE, { latEvery })`): counts painted lines per flood id
 * and gap markers per container through the pane's paint probe; while `__bench.lat` is an array it
 * takes the latency of one line in `latEvery` (a power of two), at most 200,000 (a heap run must not grow it).
 */
export const PAGE_PROBE = ({ latEvery }: { latEvery: number }) => {
  const w = globalThis as unknown as {
    __escLogDebug: boolean;
    __escLogProbe: (i: { lines: Array<{ msg: string; kind?: string; container?: string; t?: number }>; paintedAt: number }) => void;
    __bench: BenchState;
  };
  w.__escLogDebug = true;
  const rx = /flood (\w+) line (\d+)/;
  const mask = latEvery - 1;
  w.__bench = {
    floods: {},
    gaps: {},
    lat: null,
    expect(id, n) {
      this.floods[id] = { bits: new Uint8Array(n + 1), count: 0, last: 0 };
    },
  };
  w.__escLogProbe = ({ lines, paintedAt }) => {
    const b = w.__bench;
    for (const l of lines) {
      if (l.kind === 'gap' && l.container) b.gaps[l.container] = (b.gaps[l.container] ?? 0) + 1;
      const m = rx.exec(l.msg);
      if (!m) continue;
      const f = b.floods[m[1]!];
      if (!f) continue;
      const seq = Number(m[2]);
      if (!f.bits[seq]) {
        f.bits[seq] = 1;
        f.count++;
      }
      f.last = paintedAt;
      if (b.lat && (seq & mask) === 0 && l.t !== undefined && b.lat.length < 200_000) b.lat.push(paintedAt - l.t);
    }
  };
};

/** Tells the page's probe to count flood `id` of `n` lines. */
export async function expectFlood(page: Page, id: string, n: number): Promise<void> {
  await page.evaluate(([i, c]) => (globalThis as unknown as { __bench: BenchState }).__bench.expect(i as string, c as number), [id, n]);
}

/** Starts (an empty array) or stops (null) latency sampling in the page; returns what was sampled. */
export async function setLatency(page: Page, on: boolean): Promise<number[]> {
  return page.evaluate((o) => {
    const b = (globalThis as unknown as { __bench: BenchState }).__bench;
    const was = b.lat ?? [];
    b.lat = o ? [] : null;
    return was;
  }, on);
}

/** The probe's counts (painted lines and last paint time per flood id, gap markers per container). */
export async function benchState(
  page: Page,
): Promise<{ floods: Record<string, { count: number; last: number }>; gaps: Record<string, number> }> {
  return page.evaluate(() => {
    const b = (globalThis as unknown as { __bench: BenchState }).__bench;
    return {
      floods: Object.fromEntries(Object.entries(b.floods).map(([k, f]) => [k, { count: f.count, last: f.last }])),
      gaps: { ...b.gaps },
    };
  });
}

/** Opens one container's tab from the form and waits until it says connected. */
export async function openContainerTab(page: Page, container: string, timeout: number): Promise<void> {
  await page.getByTestId('logs-container-input').fill(container);
  await page.getByTestId('logs-open').click();
  await page
    .getByTestId(`logs-tab-${container}`)
    .getByTestId('logs-state')
    .filter({ hasText: /^connected$/ })
    .waitFor({ timeout });
}

/** The page's CDP metrics (Performance domain, enabled here) and its JS heap after a GC. */
export async function pageGauges(page: Page): Promise<{
  cdp: CDPSession;
  metrics: () => Promise<Record<string, number>>;
  heapMb: () => Promise<number>;
}> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return {
    cdp,
    metrics: async () => {
      const r = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
      return Object.fromEntries(r.metrics.map((m) => [m.name, m.value]));
    },
    heapMb: async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 1048576;
    },
  };
}
