// Bulk replay throughput: N tenants x L logs replayed locally to Logstash through the handler table, at
// concurrency 8 and (the baseline, measured in the same run) concurrency 1, each as a share of the
// source ceiling: every tenant's logs API allows R requests/s of at most 100 logs, so a tenant cannot
// go faster than R x 100 logs/s. The share is delivered logs / (R x 100 x slot-seconds), where the
// slot-seconds count min(concurrency, tenants not finished yet) over the run: the tail, when fewer
// tenants are left than slots, is not held against the runner, but any gap between one tenant's end
// and the next one's start is. Goal: >= 90% at concurrency 8. The concurrency 1 baseline runs on the
// first --c1-tenants tenants only (its share does not depend on how many).
//   npx tsx bench/bulk-replay.ts [--tenants 50] [--logs 20000] [--rate 5] [--c1-tenants 2] [--quick]
// --quick: 16 tenants x 4,000 logs (a smoke run).
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createHost, createSession, type Host } from '../core/host';
import { bulkIdle, haltBulks } from '../core/host/bulk-replay/runner';
import { createNodeDeps, registerEmbeddedCluster } from '../core/host/node-deps';
import type { BulkView } from '../common/contract';
import { demoExportSecrets } from '../emulator/auth0/index';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkIpcChild } from './ipc-child';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '50' },
    logs: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '5' },
    'c1-tenants': { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
  },
});
const Q = values.quick;
const N = Q ? Math.min(16, Number(values.tenants)) : Number(values.tenants);
const LOGS = Q ? Math.min(4000, Number(values.logs)) : Number(values.logs);
const R = Number(values.rate);
const C1 = Math.min(N, Number(values['c1-tenants']));
const CEILING = R * 100;
const JOB = 'logs-to-logstash';

const { child, ready, call } = forkIpcChild<{ url: string; masterToken: string }>(new URL('./bulk-replay-child.ts', import.meta.url));

const emu = await ready;
const names = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
const first = new Map<string, string>();
for (const name of names) {
  const t = await call<{ first: string; count: number }>({ op: 'tenant', name, count: LOGS, rateLimit: R });
  first.set(name, t.first);
  const res = await fetch(`${emu.url}/api/webtask/${name}/${JOB}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${emu.masterToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      code: 'module.exports = function (ctx, cb) { cb(null, {}); };',
      meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': JOB },
      secrets: { ...demoExportSecrets(emu.url, name, JOB), START_FROM: '', SLACK_INCOMING_WEBHOOK: '' },
    }),
  });
  if (!res.ok) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
}

/** Slot-seconds: min(concurrency, tenants not finished) integrated from the first start to the last end. */
function slotSeconds(v: BulkView, concurrency: number): { slots: number; elapsed: number } {
  const starts = v.tenants.map((t) => Date.parse(t.startedAt!));
  const ends = v.tenants.map((t) => Date.parse(t.endedAt!)).sort((a, b) => a - b);
  const t0 = Math.min(...starts);
  let slots = 0;
  let prev = t0;
  ends.forEach((end, k) => {
    slots += (Math.min(concurrency, v.tenants.length - k) * (end - prev)) / 1000;
    prev = end;
  });
  return { slots, elapsed: (ends.at(-1)! - t0) / 1000 };
}

async function run(host: Host, tenants: string[], concurrency: number) {
  const session = createSession(host.deps, 'bench', () => {});
  const input = {
    tenants: tenants.map((container) => ({ container, name: JOB, from: first.get(container)! })),
    concurrency,
    notify: false,
    confirm: { tenants: tenants.length, destinations: tenants.length },
  };
  const load0 = loadavg()[0]!;
  const r = await host.call('bulk.start', input, session);
  if (!r.ok) throw new Error(r.error.message);
  const v = await bulkIdle(host.deps, (r.data as BulkView).bulkId);
  if (v.counts.ok !== tenants.length) throw new Error(`not every tenant replayed: ${JSON.stringify(v.counts)}`);
  let lost = 0;
  for (const t of tenants) {
    const u = await call<{ unique: number }>({ op: 'unique', name: t });
    lost += Math.max(0, LOGS - 1 - u.unique);
  }
  const { slots, elapsed } = slotSeconds(v, concurrency);
  const logsPerSec = v.delivered / elapsed;
  const share = v.delivered / (CEILING * slots);
  return { concurrency, tenants: tenants.length, delivered: v.delivered, lost, elapsed, logsPerSec, share, load: [load0, loadavg()[0]!] };
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-bulk-'));
const deps = createNodeDeps({ dataDir, host: 'test', requestTimeoutMs: 30_000 });
await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container: names[0]! });
const host = createHost(deps);
console.log(
  `bulk replay bench: ${N} tenants x ${LOGS} logs to Logstash, source limit ${R} req/s per tenant (ceiling ${CEILING} logs/s each); 2 cores, load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
// Concurrency 8 first over every tenant; then the baseline over the first tenants again (replayed
// from the same checkpoint: the destination's set of ids makes the lost count still exact).
const c8 = await run(host, names, 8);
const c1 = await run(host, names.slice(0, C1), 1);
for (const r of [c1, c8])
  console.log(
    `concurrency ${r.concurrency}: ${r.tenants} tenants, ${r.delivered} logs in ${r.elapsed.toFixed(1)} s = ${Math.round(r.logsPerSec)} logs/s, ` +
      `${(r.share * 100).toFixed(1)}% of the running tenants' source ceiling, ${r.lost} lost (load ${r.load.map((x) => x.toFixed(1)).join(' -> ')})`,
  );
console.log(
  `concurrency 8 vs 1: ${(c8.logsPerSec / c1.logsPerSec).toFixed(2)}x the logs/s; share ${(c8.share * 100).toFixed(1)}% (goal >= 90%): ${c8.share >= 0.9 ? 'met' : 'NOT met'}`,
);
await haltBulks(deps);
child.send({ op: 'close', id: -1 });
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
