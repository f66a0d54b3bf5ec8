/**
 * Merged tail, end to end: the emulator (own process) floods 10 containers at once; the console's core
 * reads 10 streams into one pump, over the browser host's WebSocket into one xterm pane in Chromium.
 * One container is cut off mid-run (no resume): its gap marker must show while the other nine lose
 * nothing. Baseline in the same run: one container's pane at the same total rate.
 *
 *   npx tsx bench/logs-merged.ts [--quick] [--per=3000] [--seconds=6] [--heap-lines=1000000] [--no-heap]
 *
 * Figures: lines painted / emitted per container, emit-to-paint latency p50/p99 (the record's time to its paint),
 * page script and core CPU, and the ratio merged / baseline; renderer JS heap at start, middle and end
 * of --heap-lines merged lines.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { createSession } from '../core/host';
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
  type EmulatorProcess,
} from './logs-bench-common';

const arg = (name: string, dflt: number): number => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const QUICK = process.argv.includes('--quick');
const NO_HEAP = process.argv.includes('--no-heap');
const PER = arg('per', QUICK ? 1_000 : 3_000);
const SECONDS = arg('seconds', QUICK ? 4 : 6);
const HEAP_LINES = arg('heap-lines', QUICK ? 200_000 : 1_000_000);
const N = 10;
const CONTAINERS = Array.from({ length: N }, (_, i) => `bm-${i}`);
const CUT = CONTAINERS.at(-1)!;
const SOLO = 'bm-solo';

interface RunResult {
  painted: Record<string, number>;
  expected: number;
  wallS: number;
  pageScriptPct: number;
  corePct: number;
  gaps: Record<string, number>;
  p50: number;
  p99: number;
}

/** Floods `containers` at `rate` each for SECONDS, waits until every line is painted (or 20 s past the end). */
async function run(
  page: Page,
  emu: EmulatorProcess,
  metrics: () => Promise<Record<string, number>>,
  containers: string[],
  rate: number,
  mustAll: string[],
  /** Called halfway through the flood, counted from when the last container's flood began. */
  midway?: () => void,
  /** A container whose gap marker must be painted before the run ends (the cut one). */
  gapOf?: string,
): Promise<RunResult> {
  const count = rate * SECONDS;
  await setLatency(page, true);
  const m0 = await metrics();
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const ids: Record<string, string> = {};
  for (const c of containers) {
    const r = (await admin(emu, 'POST', `/admin/logs/${c}/flood`, { rate, count })) as { id: string };
    ids[c] = r.id;
    await expectFlood(page, r.id, count);
  }
  const half = midway && setTimeout(midway, (SECONDS * 1000) / 2);
  const deadline = start + SECONDS * 1000 + 20_000;
  let emitEnd = 0;
  let state = await benchState(page);
  while (Date.now() < deadline) {
    if (!emitEnd) {
      let active = 0;
      for (const c of containers) active += ((await admin(emu, 'GET', `/admin/logs/${c}/flood`)) as unknown[]).length;
      if (active === 0) emitEnd = Date.now();
    }
    state = await benchState(page);
    if (emitEnd && mustAll.every((c) => (state.floods[ids[c]!]?.count ?? 0) >= count) && (!gapOf || state.gaps[gapOf])) break;
    await sleep(200);
  }
  clearTimeout(half);
  await sleep(500); // the cut container's last lines after its reconnect
  state = await benchState(page);
  const m1 = await metrics();
  const cpu = process.cpuUsage(cpu0);
  const wallS = (Date.now() - start) / 1000;
  // Sampling goes on (bounded) into the heap run, as before.
  const lat = await setLatency(page, true);
  return {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    painted: Object.fromEntries(containers.map((c) => [c, state.floods[ids[c]!]?.count ?? 0])),
    expected: count,
    wallS,
    pageScriptPct: (((m1.ScriptDuration ?? 0) - (m0.ScriptDuration ?? 0)) / wallS) * 100,
    corePct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
    gaps: state.gaps,
  };
}

async function main(): Promise<void> {
  console.log(
    `logs-merged bench${QUICK ? ' (quick)' : ''}: ${N} containers x ${fmt(PER)} lines/s for ${SECONDS} s; building the renderer...`,
  );
  execFileSync(process.execPath, ['scripts/build.mjs', '--renderer-only'], { stdio: 'ignore' });
  const emu = await startEmulatorProcess();
  const web = await webHostOnEmulator(emu, SOLO);
  const browser = await launchBrowser();
  try {
    // The tenants list holds the ten, as an engineer would have added them.
    const session = createSession(web.deps, 'bench-setup', () => undefined);
    for (const c of CONTAINERS) await web.host.call('tenants.add', { name: c }, session);
    // The cut container offers no resume: its reconnect must show a gap marker.
    await admin(emu, 'PUT', `/admin/logs/${CUT}/resume`, { enabled: false });

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Emit-to-paint of one line in 16 (bounded: the heap run must not grow it).
    await page.addInitScript(PAGE_PROBE, { latEvery: 16 });
    await page.goto(web.web.launchUrl);
    const { metrics, heapMb } = await pageGauges(page);
    console.log(
      `load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${availableParallelism()} CPUs`,
    );

    // 1. Baseline: one container's pane at the same total rate.
    await openContainerTab(page, SOLO, 30_000);
    const base = await run(page, emu, metrics, [SOLO], PER * N, [SOLO]);

    // 2. Merged: ten containers, one cut off mid-run.
    const form = page.getByTestId('logs-merged');
    await form.locator('summary').click();
    await form.getByTestId('logs-merged-pattern').fill('bm-?');
    await form.getByTestId('logs-merged-open').click();
    const tab = page.locator('[data-testid^="logs-tab-merged-"]');
    const connectedChips = tab.locator('[data-testid="logs-chip"][data-state="connected"]');
    for (let i = 0; i < 300 && (await connectedChips.count()) < N; i++) await sleep(200);
    if ((await connectedChips.count()) < N) throw new Error('the merged tab did not connect every container within 60 s');
    // Cut the last container's stream halfway through the flood (a dropped connection; it reconnects).
    let cutCount = 0;
    // (A console that is behind has paused that socket: it sees the cut only once it read what was before it.)
    const merged = await run(
      page,
      emu,
      metrics,
      CONTAINERS,
      PER,
      CONTAINERS.slice(0, -1),
      () => void admin(emu, 'POST', `/admin/logs/${CUT}/cut`, {}).then((r) => (cutCount = (r as { cut: number }).cut)),
      CUT,
    );
    const name = (await tab.getAttribute('data-testid'))!.replace(/^logs-tab-/, '');
    const chips = (await page.evaluate(
      (n) =>
        (
          globalThis as unknown as { __escLogTails: Record<string, { snapshot(): { status: { members?: unknown[] } | null } }> }
        ).__escLogTails[n]!.snapshot().status?.members ?? [],
      name,
    )) as Array<{ container: string; gaps: number; dropped: number; state: string }>;

    // 3. Heap across HEAP_LINES merged lines.
    const heap: Array<{ lines: number; mb: number }> = [];
    if (!NO_HEAP) {
      const each = Math.ceil(HEAP_LINES / N);
      heap.push({ lines: 0, mb: await heapMb() });
      const ids: string[] = [];
      for (const c of CONTAINERS) {
        const r = (await admin(emu, 'POST', `/admin/logs/${c}/flood`, { rate: PER, count: each })) as { id: string };
        ids.push(r.id);
        await expectFlood(page, r.id, each);
      }
      // Marks count all ten; the wait is on the nine that were never cut (the tenth may still be catching up).
      const painted = async (of: string[]) => {
        const s = await benchState(page);
        return of.reduce((a, id) => a + (s.floods[id]?.count ?? 0), 0);
      };
      const end = Date.now() + (each / PER) * 1000 + 120_000;
      for (const mark of [0.5, 1]) {
        while (Date.now() < end && (await painted(ids.slice(0, -1))) < mark * each * (N - 1)) await sleep(500);
        heap.push({ lines: await painted(ids), mb: await heapMb() });
      }
    }

    // ---- report ----
    const lost = (r: RunResult, cs: string[]) => cs.reduce((a, c) => a + (r.expected - r.painted[c]!), 0);
    console.log(
      `\nbaseline: 1 container at ${fmt(PER * N)} lines/s: ${fmt(base.painted[SOLO]!)}/${fmt(base.expected)} painted, emit-to-paint p50 ${fmt(base.p50)} ms p99 ${fmt(base.p99)} ms, page script ${base.pageScriptPct.toFixed(0)}%, core+host ${base.corePct.toFixed(0)}% CPU`,
    );
    console.log(`merged:   ${N} containers at ${fmt(PER)} lines/s each:`);
    for (const c of CONTAINERS) {
      const chip = chips.find((x) => x.container === c);
      console.log(
        `  ${c.padEnd(6)} ${fmt(merged.painted[c]!).padStart(7)}/${fmt(merged.expected)} painted${c === CUT ? ` (cut mid-run: ${cutCount} connection dropped)` : ''}; gap markers painted ${merged.gaps[c] ?? 0}; chip: ${chip?.state} gaps ${chip?.gaps} dropped ${chip?.dropped}`,
      );
    }
    const nineLost = lost(merged, CONTAINERS.slice(0, -1));
    console.log(
      `  emit-to-paint p50 ${fmt(merged.p50)} ms p99 ${fmt(merged.p99)} ms, page script ${merged.pageScriptPct.toFixed(0)}%, core+host ${merged.corePct.toFixed(0)}% CPU`,
    );
    console.log(
      `ratio merged / baseline (same total rate, same run): p99 emit-to-paint ${(merged.p99 / Math.max(1, base.p99)).toFixed(2)}, page script ${(merged.pageScriptPct / Math.max(1, base.pageScriptPct)).toFixed(2)}, core+host CPU ${(merged.corePct / Math.max(1, base.corePct)).toFixed(2)}, wall to last line ${(merged.wallS / base.wallS).toFixed(2)}`,
    );
    for (const h of heap) console.log(`heap after ${fmt(h.lines).padStart(9)} merged lines: ${h.mb.toFixed(1)} MB`);
    console.log(
      `\nchecks: nine lossless ${nineLost === 0 ? 'MET' : `MISSED (${fmt(nineLost)} lost)`}; ${CUT} gap marker ${(merged.gaps[CUT] ?? 0) > 0 ? 'MET' : 'MISSED'}; no gap in the nine ${CONTAINERS.slice(0, -1).every((c) => !merged.gaps[c]) ? 'MET' : 'MISSED'}; heap flat ${heap.length < 3 ? 'not run' : heap[2]!.mb <= heap[1]!.mb * 1.5 + 10 ? 'MET' : 'CHECK'}`,
    );
    console.log(
      `load average at the end ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await browser.close();
    await web.close();
    emu.stop();
  }
}

await main();
process.exit(0);
