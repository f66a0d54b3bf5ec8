// The fleet view against the fleet seed (1,000 tenants, 20,000 extensions): a full scan and a full
// code search through the console's handler table, each as a ratio to a baseline measured in the same
// run: the real `wt ls` + `wt cron ls` per container (what an engineer has today). The wt loop is run
// over a sample of containers and extrapolated to all 1,000 unless --full (it takes many minutes).
// Then the renderer's heap after showing the whole scan and the search in Chromium, and the host's RSS.
// The emulator runs in its own process, so the RSS is the console's alone.
//   npx tsx bench/fleet.ts [--sample 30] [--full] [--no-browser] [--concurrency 8]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createHost, createSession } from '../core/host';
import { createNodeDeps, registerEmbeddedCluster } from '../core/host/node-deps';
import { startWebHost } from '../core/webhost/server';
import { compileCodeMatcher } from '../core/fleet';
import { FLEET_CONTAINERS, FLEET_EXTENSIONS, SNIPPETS } from '../emulator/fleet-seed';
import { launchBrowser } from '../test/helpers/browser';
import type { FleetProgress, FleetRow } from '../common/contract';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    sample: { type: 'string', default: '30' },
    full: { type: 'boolean', default: false },
    'no-browser': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
  },
});
const CONC = Number(values.concurrency);

// The code matcher on a pathological pattern, (a+)+$ against 8x the input: linear is ~8, quadratic
// ~64 (a backtracking engine never finishes). Interleaved rounds, the best of each size.
{
  const m = compileCodeMatcher({ pattern: '(a+)+$', regex: true, caseSensitive: true });
  const inputs = [50_000, 400_000].map((n) => `${'a'.repeat(n)}b\n`);
  const once = (code: string) => {
    const t0 = performance.now();
    m.match(code);
    return performance.now() - t0;
  };
  for (const code of inputs) once(code); // warm up the engine (JIT)
  const best = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) inputs.forEach((code, i) => (best[i] = Math.min(best[i]!, once(code))));
  console.log(
    `matcher (a+)+$: 50,000 chars ${best[0]!.toFixed(2)} ms, 400,000 chars ${best[1]!.toFixed(2)} ms; ratio ${(best[1]! / best[0]!).toFixed(2)} (linear ~8)`,
  );
}

// The emulator in a child process (its memory is not the console's).
const child = spawn(join('node_modules', '.bin', 'tsx'), ['emulator/cli.ts', '--port', '0', '--seed', 'fleet'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
  let out = '';
  const t = setTimeout(() => reject(new Error(`the emulator did not start: ${out}`)), 60_000);
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const u = /listening on (\S+)/.exec(out)?.[1];
    const k = /master token: (\S+)/.exec(out)?.[1];
    if (u && k) {
      clearTimeout(t);
      resolve({ url: u, token: k });
    }
  });
});

const dataDir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
const home = mkdtempSync(join(tmpdir(), 'bench-fleet-wt-'));
const f = (n: number) => n.toFixed(1);
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
try {
  const deps = createNodeDeps({ dataDir, host: 'test', requestTimeoutMs: 30_000 });
  // The plan is not computed here: its 20,000 records would count in the console's RSS.
  await registerEmbeddedCluster(deps, { url, masterToken: token, container: 'acme-prod-000' });
  const host = createHost(deps);
  const events: Array<{ topic: string; payload: unknown }> = [];
  const session = createSession(deps, 'bench', (topic, payload) => events.push({ topic, payload }));
  let peakRss = process.memoryUsage().rss;
  const rssAtStart = peakRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  const finished = async (id: string): Promise<FleetProgress> => {
    const until = Date.now() + 15 * 60_000;
    while (Date.now() < until) {
      const e = events.find(
        (x) => x.topic === 'fleet.progress' && (x.payload as FleetProgress).id === id && (x.payload as FleetProgress).state !== 'running',
      );
      if (e) return e.payload as FleetProgress;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${id} did not finish`);
  };
  const timed = async (channel: 'fleet.scan' | 'fleet.search', input: Record<string, unknown>) => {
    const t0 = performance.now();
    const r = await host.call(channel, input, session);
    if (!r.ok) throw new Error(r.error.message);
    const id = (r.data as { scanId?: string; searchId?: string }).scanId ?? (r.data as { searchId: string }).searchId;
    const p = await finished(id);
    return { ms: performance.now() - t0, p };
  };

  // 1. The console: full scan, then full code search of every extension.
  const scan = await timed('fleet.scan', { concurrency: CONC });
  const search = await timed('fleet.search', {
    concurrency: CONC,
    query: { code: { pattern: SNIPPETS.legacyBilling.trim(), regex: false } },
  });
  const rx = await timed('fleet.search', {
    concurrency: CONC,
    query: { code: { pattern: 'jwt\\.decode\\(\\w+(\\.\\w+)*\\)', regex: true } },
  });
  clearInterval(sampler);
  const done = events.filter((e) => e.topic === 'fleet.searchDone').map((e) => e.payload as { extensions: number; scanned: number });

  // 2. The baseline: the real wt CLI, `wt ls` and `wt cron ls` per container.
  // The containers, as the scan found them (in the cluster's order).
  const containers = events.filter((e) => e.topic === 'fleet.row').map((e) => (e.payload as { row: FleetRow }).row.container);
  if (containers.length !== FLEET_CONTAINERS) throw new Error(`the scan found ${containers.length} tenants, not ${FLEET_CONTAINERS}`);
  const env = { ...process.env, HOME: home };
  const wt = join(process.cwd(), 'node_modules', '.bin', 'wt');
  await run(wt, ['init', '--url', url, '--token', token, '--container', containers[0]!, '-p', 'bench'], { env });
  const sampleSize = values.full ? containers.length : Math.min(containers.length, Number(values.sample));
  // An even spread over the fleet (sizes differ), not the first N.
  const sample = Array.from({ length: sampleSize }, (_, i) => containers[Math.floor((i * containers.length) / sampleSize)]!);
  const w0 = performance.now();
  let wtItems = 0;
  for (const c of sample) {
    for (let off = 0; off < 10_000; off += 100) {
      const { stdout } = await run(
        wt,
        ['ls', '-p', 'bench', '-c', c, '--limit', '100', '--output', 'json', ...(off ? ['--offset', String(off)] : [])],
        { env, maxBuffer: 64 * 1024 * 1024 },
      );
      const n = (JSON.parse(stdout) as unknown[]).length;
      wtItems += n;
      if (n < 100) break;
    }
    await run(wt, ['cron', 'ls', '-p', 'bench', '-c', c, '--output', 'json'], { env, maxBuffer: 64 * 1024 * 1024 });
  }
  const wtSampleMs = performance.now() - w0;
  const wtMs = (wtSampleMs / sampleSize) * containers.length;

  console.log(`fleet seed: ${FLEET_CONTAINERS} tenants, ${FLEET_EXTENSIONS} extensions; concurrency ${CONC}`);
  console.log(
    `  console full scan: ${f(scan.ms / 1000)} s (${scan.p.done} tenants, ${scan.p.requests} requests, ${scan.p.failed} with problems)`,
  );
  console.log(
    `  console full code search (text): ${f(search.ms / 1000)} s (${done[0]?.scanned ?? '?'} extensions read, ${done[0]?.extensions ?? '?'} hits, ${search.p.requests} requests)`,
  );
  console.log(
    `  console full code search (regex): ${f(rx.ms / 1000)} s (${done[1]?.scanned ?? '?'} read, ${done[1]?.extensions ?? '?'} hits)`,
  );
  console.log(
    `  wt ls + wt cron ls loop: ${f(wtSampleMs / 1000)} s for ${sampleSize} containers (${wtItems} extensions)` +
      (values.full ? '' : `, extrapolated to ${containers.length}: ${f(wtMs / 1000)} s (a sample, not the full loop)`),
  );
  console.log(
    `  ratio console/wt: scan ${(scan.ms / wtMs).toFixed(4)}, code search ${(search.ms / wtMs).toFixed(4)} (goal < 0.05), regex search ${(rx.ms / wtMs).toFixed(4)}`,
  );
  console.log(`  host RSS: ${mb(rssAtStart)} before, peak ${mb(peakRss)} during scan and searches, ${mb(process.memoryUsage().rss)} after`);

  // 3. The renderer: the whole scan in the table and a search's hits, then its JS heap.
  if (!values['no-browser']) {
    const web = await startWebHost({ host, staticDir: join(process.cwd(), 'out', 'renderer'), port: 0 });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('crash', () => console.log('  renderer: the page crashed'));
      page.on('pageerror', (e) => console.log(`  renderer: page error ${e.message}`));
      await page.goto(web.launchUrl);
      await page.getByTestId('open-fleet').click();
      const view = page.getByTestId('fleet-view');
      await view.getByTestId('fleet-scan').click();
      const until = Date.now() + 10 * 60_000;
      while (
        (await view
          .getByTestId('fleet-progress')
          .getAttribute('data-state')
          .catch(() => null)) !== 'done' &&
        Date.now() < until
      )
        await page.waitForTimeout(200);
      await view.getByTestId('fleet-section-search').click();
      await view.getByTestId('fleet-search-code').fill('module.exports');
      await view.getByTestId('fleet-search-go').click();
      while (
        (await view
          .getByTestId('fleet-search-progress')
          .getAttribute('data-state')
          .catch(() => null)) !== 'done' &&
        Date.now() < until
      )
        await page.waitForTimeout(200);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
      const hits = await view.getByTestId('fleet-search-summary').getAttribute('data-extensions');
      console.log(
        `  renderer JS heap after a full scan (1,000 rows) and a search with ${hits} hits ("module.exports": every extension): ${mb(heap.usedSize)} used of ${mb(heap.totalSize)}`,
      );
      console.log(`  host RSS after the browser run: ${mb(process.memoryUsage().rss)}`);
    } finally {
      await browser.close();
      await web.close();
    }
  }
} finally {
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
