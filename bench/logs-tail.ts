/**
 * Live tail, end to end: the emulator (own process) floods a container's stream; the console's core
 * reads it, batches it over the browser host's WebSocket into the xterm pane in Chromium, which acks
 * what it painted. The real `wt logs` (temp HOME) reads the same stream in the same run.
 *
 *   npx tsx bench/logs-tail.ts [--quick] [--rates=20000,40000,60000] [--no-wt] [--no-heap] [--renderer=dom|webgl]
 *
 * Figures: highest sustained rate with no loss (all lines, and the pane keeps up: the last line is
 * painted within 1 s of the last emit), emit-to-painted latency p50/p99 at 1,000 lines/s (for wt:
 * emit-to-stdout, it has no pane), renderer JS heap across 1,000,000 lines (wt: process RSS).
 *
 * The ceiling, in the same run and page: the text the pane wrote during the last rate step, written
 * again straight into a bare xterm Terminal (the pane's options, same size) and timed from the first
 * write to the last write callback: xterm's parse rate for exactly those bytes. The pane cannot beat it;
 * the report gives the sustained rate as a ratio of it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { logsTuning } from '../core/host/features/logs';
import { launchBrowser } from '../test/helpers/browser';
import { webHostOnEmulator } from '../test/helpers/logs';
import {
  admin,
  benchState,
  expectFlood,
  fmt,
  openContainerTab,
  PAGE_PROBE,
  pageGauges,
  pct,
  setLatency,
  sleep,
  startEmulatorProcess,
} from './logs-bench-common';

const QUICK = process.argv.includes('--quick');
/** `--renderer=dom|webgl` forces one of xterm's renderers (by default the pane picks: WebGL on a GPU, DOM otherwise). */
const RENDERER = process.argv.find((a) => a.startsWith('--renderer='))?.slice('--renderer='.length) ?? 'auto';
const CONTAINER = 'bench';
const RATES_ARG = process.argv.find((a) => a.startsWith('--rates='))?.slice('--rates='.length);
const RATES = RATES_ARG
  ? RATES_ARG.split(',').map(Number)
  : QUICK
    ? [10_000, 20_000, 40_000, 60_000]
    : [10_000, 20_000, 40_000, 60_000, 80_000, 100_000];
const NO_WT = process.argv.includes('--no-wt');
const NO_HEAP = process.argv.includes('--no-heap');
/** `--profile`: a CPU profile of the page during the last rate step; the top functions by self time are printed. */
const PROFILE = process.argv.includes('--profile');
/** `--pump=highKB,lowKB,batchKB`: try other ack-window and batch sizes (the product's are in common/logs-flow.ts). */
const PUMP = process.argv
  .find((a) => a.startsWith('--pump='))
  ?.slice('--pump='.length)
  .split(',')
  .map((x) => Number(x) * 1024);
const STEP_SECONDS = QUICK ? 3 : 6;
const LATENCY_SECONDS = QUICK ? 5 : 10;
const HEAP_LINES = QUICK ? 200_000 : 1_000_000;
async function flood(emu: { url: string; masterToken: string }, rate: number, count: number): Promise<{ id: string; start: number }> {
  const start = Date.now();
  const r = (await admin(emu, 'POST', `/admin/logs/${CONTAINER}/flood`, { rate, count })) as { id: string };
  return { id: r.id, start };
}

// ---- the real wt logs ---------------------------------------------------------------------------
class WtTail {
  child!: ChildProcess;
  seen = new Map<string, { bits: Uint8Array; count: number; last: number }>();
  latencies: number[] | null = null;
  exited: string | null = null;
  private home = mkdtempSync(join(tmpdir(), 'esc-bench-wt-'));
  private env = { PATH: process.env.PATH ?? '', HOME: this.home, NO_COLOR: '1' };
  private readonly wt = resolve('node_modules/.bin/wt');

  constructor(private readonly emu: { url: string; masterToken: string }) {
    if (NO_WT) return;
    execFileSync(this.wt, ['init', '--url', emu.url, '--token', emu.masterToken, '--container', CONTAINER, '-p', 'bench'], {
      env: this.env,
    });
  }

  async start(): Promise<void> {
    if (NO_WT) {
      this.exited = 'not run (--no-wt)';
      return;
    }
    this.exited = null;
    this.child = spawn(this.wt, ['logs', '-p', 'bench'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const rl = createInterface({ input: this.child.stdout! });
    let connected: () => void = () => undefined;
    const ready = new Promise<void>((r) => (connected = r));
    rl.on('line', (raw) => {
      const now = Date.now();
      const line = raw.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
      if (line.includes('connected to streaming logs')) return connected();
      const m = /^\[(\d\d):(\d\d):(\d\d)\.(\d{3})Z\].*flood (\w+) line (\d+)/.exec(line);
      if (!m) return;
      const s = this.seen.get(m[5]!);
      if (!s) return;
      const seq = Number(m[6]);
      if (!s.bits[seq]) {
        s.bits[seq] = 1;
        s.count++;
      }
      s.last = now;
      if (this.latencies) {
        const d = new Date(now);
        const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), +m[1]!, +m[2]!, +m[3]!, +m[4]!);
        this.latencies.push(now - t);
      }
    });
    this.child.once('exit', (code) => (this.exited = `wt logs exited with code ${code}`));
    await Promise.race([ready, sleep(15_000)]);
  }

  expect(id: string, count: number): void {
    this.seen.set(id, { bits: new Uint8Array(count + 1), count: 0, last: 0 });
  }

  rssMb(): number {
    try {
      return (
        Number(
          execFileSync('ps', ['-o', 'rss=', '-p', String(this.child.pid)])
            .toString()
            .trim(),
        ) / 1024
      );
    } catch {
      return NaN;
    }
  }

  stop(): void {
    this.child?.kill();
    rmSync(this.home, { recursive: true, force: true });
  }
}

// ---- the console, in Chromium ---------------------------------------------------------------------
/** Replays the captured pane writes into a bare xterm of the pane's size and times them (first write to last callback). */
const CEILING_IN_PAGE = `(async () => {
  const chunks = globalThis.__benchWrites || [];
  if (!globalThis.__escLogNewTerminal) return { lines: 0, chars: 0, writes: 0, ms: NaN };
  globalThis.__benchWrites = [];
  const pane = document.querySelector('[data-testid="logs-pane"] .xterm-screen');
  const el = document.createElement('div');
  el.style.cssText = 'position:fixed;left:0;top:0;z-index:99;width:' + (pane ? pane.clientWidth : 1100) + 'px;height:' + (pane ? pane.clientHeight : 700) + 'px';
  document.body.append(el);
  const term = globalThis.__escLogNewTerminal();
  term.open(el);
  let lines = 0, chars = 0;
  for (const c of chunks) {
    chars += c.length;
    for (let i = c.indexOf('\\r\\n'); i !== -1; i = c.indexOf('\\r\\n', i + 2)) lines++;
  }
  await new Promise((r) => requestAnimationFrame(() => r()));
  const t0 = performance.now();
  await new Promise((resolve) => chunks.forEach((c, i) => term.write(c, i === chunks.length - 1 ? resolve : undefined)));
  const ms = performance.now() - t0;
  term.dispose();
  el.remove();
  return { lines, chars, writes: chunks.length, ms };
})()`;

type Profile = {
  profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[] };
};
function printProfile(p: Profile): void {
  const byId = new Map(p.profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const s of p.profile.samples) {
    const f = byId.get(s)!.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = p.profile.samples.length;
  console.log(`  page profile, top self time (${total} samples):`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`    ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

async function consoleCount(page: Page, id: string): Promise<{ count: number; last: number }> {
  return (await benchState(page)).floods[id] ?? { count: 0, last: 0 };
}

async function tailStatus(
  page: Page,
): Promise<{ dropped: number; gaps: number; missed: number; connects: number; queued: number; backpressure: boolean } | null> {
  return page.evaluate((c) => {
    const t = (
      globalThis as unknown as {
        __escLogTails?: Record<
          string,
          {
            snapshot(): {
              status: { dropped: number; gaps: number; missed: number; connects: number; queued: number; backpressure: boolean } | null;
            };
          }
        >;
      }
    ).__escLogTails?.[c];
    return t?.snapshot().status ?? null;
  }, CONTAINER);
}

async function main(): Promise<void> {
  console.log(`logs-tail bench${QUICK ? ' (quick)' : ''}: building the renderer...`);
  execFileSync(process.execPath, ['scripts/build.mjs', '--renderer-only'], { stdio: 'ignore' });
  const emu = await startEmulatorProcess();
  if (PUMP) logsTuning.pump = { highWaterBytes: PUMP[0], lowWaterBytes: PUMP[1], maxBatchBytes: PUMP[2] };
  const web = await webHostOnEmulator(emu, CONTAINER);
  const browser = await launchBrowser();
  const wt = new WtTail(emu);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(PAGE_PROBE, { latEvery: 1 });
    if (RENDERER !== 'auto')
      await page.addInitScript((r) => ((globalThis as unknown as { __escLogRenderer: string }).__escLogRenderer = r), RENDERER);
    await page.goto(web.web.launchUrl);
    await openContainerTab(page, CONTAINER, 15_000);
    const rendererEl = page.getByTestId(`logs-tab-${CONTAINER}`).getByTestId('logs-renderer');
    const renderer = `${await rendererEl.textContent()}${(await rendererEl.getAttribute('title')) ? ` (${await rendererEl.getAttribute('title')})` : ''}`;
    await wt.start();
    const { cdp, metrics: pageMetrics, heapMb } = await pageGauges(page);
    console.log(
      `pane: ${renderer}; wt logs: ${NO_WT ? 'not run' : `pid ${wt.child.pid}`}; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${availableParallelism()} CPUs`,
    );

    // 1. Highest sustained rate with no loss.
    const rows: Array<{ rate: number; c: string; w: string; cOk: boolean; wOk: boolean }> = [];
    let bestC = 0;
    let bestW = 0;
    for (const rate of RATES) {
      if (wt.exited && !NO_WT) await wt.start();
      const count = rate * STEP_SECONDS;
      if (PROFILE && rate === RATES.at(-1)) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.start');
      }
      // The last step's pane writes are kept, for the xterm ceiling below.
      if (rate === RATES.at(-1))
        await page.evaluate(() => {
          const g = globalThis as unknown as { __benchWrites: string[]; __escLogWriteProbe: (t: string) => void };
          g.__benchWrites = [];
          g.__escLogWriteProbe = (t) => g.__benchWrites.push(t);
        });
      const before = await tailStatus(page);
      const cpu0 = process.cpuUsage();
      const emuCpu0 = emu.cpuMs();
      const m0 = await pageMetrics();
      const f = await flood(emu, rate, count);
      await expectFlood(page, f.id, count);
      wt.expect(f.id, count);
      const scheduledEnd = f.start + (count / rate) * 1000;
      const deadline = scheduledEnd + 20_000;
      // The emulator may itself run late on a busy machine: measure lag from its real last emit.
      let emitEnd = 0;
      let maxQueued = 0;
      let pausedPolls = 0;
      let polls = 0;
      let c = await consoleCount(page, f.id);
      while (Date.now() < deadline) {
        if (!emitEnd) {
          const active = (await admin(emu, 'GET', `/admin/logs/${CONTAINER}/flood`)) as Array<{ id: string }>;
          if (!active.some((x) => x.id === f.id)) emitEnd = Date.now();
        }
        c = await consoleCount(page, f.id);
        const st = await tailStatus(page);
        maxQueued = Math.max(maxQueued, st?.queued ?? 0);
        if (st?.backpressure) pausedPolls++;
        polls++;
        const w = wt.seen.get(f.id)!;
        if (c.count >= count && (w.count >= count || wt.exited)) break;
        await sleep(100);
      }
      const w = wt.seen.get(f.id)!;
      emitEnd ||= Date.now();
      if (PROFILE && rate === RATES.at(-1)) printProfile((await cdp.send('Profiler.stop')) as Profile);
      const after = await tailStatus(page);
      const cpu = process.cpuUsage(cpu0);
      const emuCpu = emu.cpuMs() - emuCpu0;
      const m1 = await pageMetrics();
      const wall = (Date.now() - f.start) / 1000;
      const where = `core queue max ${fmt(maxQueued)} lines, socket paused in ${pausedPolls}/${polls} polls; emulator finished ${fmt(emitEnd - scheduledEnd)} ms late, ${Number.isNaN(emuCpu) ? 'n/a' : Math.round((emuCpu / 1000 / wall) * 100)}% CPU; core+host ${Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100)}% CPU, page script ${Math.round((((m1.ScriptDuration ?? 0) - (m0.ScriptDuration ?? 0)) / wall) * 100)}% / tasks ${Math.round((((m1.TaskDuration ?? 0) - (m0.TaskDuration ?? 0)) / wall) * 100)}%`;
      const lostC = count - c.count;
      const lagC = c.last - emitEnd;
      const lagW = w.last - emitEnd;
      const cOk = lostC === 0 && lagC <= 1_000;
      const wOk = w.count === count && lagW <= 1_000 && !wt.exited;
      const verdict = (ok: boolean, complete: boolean) => (ok ? 'ok    ' : complete ? 'BEHIND' : 'LOSS  ');
      if (cOk) bestC = Math.max(bestC, rate);
      if (wOk) bestW = Math.max(bestW, rate);
      const reconnects = (after?.connects ?? 0) - (before?.connects ?? 0);
      rows.push({
        rate,
        cOk,
        wOk,
        c: `${fmt(c.count)}/${fmt(count)} lag ${fmt(lagC)} ms${reconnects ? `, ${reconnects} resumes` : ''}${after?.dropped ? `, ${after.dropped} dropped` : ''}`,
        w: `${fmt(w.count)}/${fmt(count)} lag ${fmt(lagW)} ms${wt.exited ? ` (${wt.exited})` : ''}`,
      });
      console.log(
        `  ${fmt(rate).padStart(7)} lines/s  console ${verdict(cOk, lostC === 0)} ${rows.at(-1)!.c.padEnd(40)} wt ${verdict(wOk, w.count === count)} ${rows.at(-1)!.w}`,
      );
      console.log(`                    (${where})`);
      await sleep(500);
    }
    await page.evaluate(() => delete (globalThis as { __escLogWriteProbe?: unknown }).__escLogWriteProbe);

    // 1b. The ceiling: the same bytes straight into a bare xterm in the same page.
    // A string: this runs in the page (DOM types are not in the bench's TypeScript lib).
    const ceiling = (await page.evaluate(CEILING_IN_PAGE)) as { lines: number; chars: number; writes: number; ms: number };
    const ceilingRate = ceiling.lines / (ceiling.ms / 1000);
    console.log(
      `  xterm ceiling: ${fmt(ceiling.lines)} lines (${fmt(ceiling.chars / 1024)} KB in ${fmt(ceiling.writes)} writes) parsed in ${fmt(ceiling.ms)} ms = ${fmt(ceilingRate)} lines/s`,
    );

    // 2. Latency at 1,000 lines/s.
    if (wt.exited && !NO_WT) await wt.start();
    await setLatency(page, true);
    wt.latencies = [];
    const lf = await flood(emu, 1_000, 1_000 * LATENCY_SECONDS);
    await expectFlood(page, lf.id, 1_000 * LATENCY_SECONDS);
    wt.expect(lf.id, 1_000 * LATENCY_SECONDS);
    await sleep(LATENCY_SECONDS * 1000 + 1_500);
    const latC = await setLatency(page, false);
    const latW = wt.latencies;
    wt.latencies = null;

    // 3. Heap across 1,000,000 lines, at a rate both keep up with.
    if (wt.exited && !NO_WT) await wt.start();
    const heapRate = Math.min(bestC || 10_000, 40_000);
    const heapRows: Array<{ lines: number; heap: number; rss: number }> = [{ lines: 0, heap: await heapMb(), rss: wt.rssMb() }];
    const hf = await flood(emu, heapRate, NO_HEAP ? 1 : HEAP_LINES);
    await expectFlood(page, hf.id, HEAP_LINES);
    wt.expect(hf.id, HEAP_LINES);
    const marks = NO_HEAP ? [] : [0.25, 0.5, 0.75, 1].map((x) => Math.round(x * HEAP_LINES));
    const heapDeadline = Date.now() + (HEAP_LINES / heapRate) * 1000 + 60_000;
    for (const mark of marks) {
      while (Date.now() < heapDeadline && (await consoleCount(page, hf.id)).count < mark) await sleep(250);
      heapRows.push({ lines: (await consoleCount(page, hf.id)).count, heap: await heapMb(), rss: wt.rssMb() });
    }
    const hw = wt.seen.get(hf.id)!;

    // ---- report ----
    const cLat = `p50 ${fmt(pct(latC, 50))} ms, p99 ${fmt(pct(latC, 99))} ms (${fmt(latC.length)} samples)`;
    const wLat = `p50 ${fmt(pct(latW, 50))} ms, p99 ${fmt(pct(latW, 99))} ms (${fmt(latW.length)} samples)`;
    console.log('\n                                 console (xterm pane, Chromium)            wt logs (wt-cli 11, stdout)');
    console.log(`max sustained, no loss           ${`${fmt(bestC)} lines/s`.padEnd(42)}${fmt(bestW)} lines/s`);
    console.log(`latency @1,000 lines/s           ${cLat.padEnd(42)}${wLat}`);
    for (const h of heapRows)
      console.log(
        `after ${fmt(h.lines).padStart(9)} lines           ${`JS heap ${h.heap.toFixed(1)} MB`.padEnd(42)}${Number.isNaN(h.rss) ? '(wt logs exited)' : `RSS ${h.rss.toFixed(1)} MB`}`,
      );
    const end = await tailStatus(page);
    console.log(`console tail at the end: ${JSON.stringify(end)}`);
    console.log(
      `wt received ${fmt(hw.count)}/${fmt(HEAP_LINES)} of the heap run at ${fmt(heapRate)} lines/s${wt.exited ? ` (${wt.exited})` : ''}`,
    );
    console.log(
      `xterm ceiling (same bytes, bare Terminal, same page) ${fmt(ceilingRate)} lines/s; sustained / ceiling = ${(bestC / ceilingRate).toFixed(2)}`,
    );
    console.log(
      `\ntargets: >= 60,000 lines/s ${bestC >= 60_000 ? 'MET' : 'MISSED'}; p99 <= 50 ms ${pct(latC, 99) <= 50 ? 'MET' : 'MISSED'}; heap flat ${NO_HEAP ? 'not run' : heapRows.at(-1)!.heap <= heapRows[1]!.heap * 1.5 + 10 ? 'MET' : 'CHECK'}`,
    );
  } finally {
    wt.stop();
    await browser.close();
    await web.close();
    emu.stop();
  }
}

await main();
process.exit(0);
