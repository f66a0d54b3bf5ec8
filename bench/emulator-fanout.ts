// Log-stream fan-out: N lines emitted into one container, read by K SSE subscribers; throughput and
// emit-to-receive latency, beside a bare node:http SSE server writing the same frames in the same run.
//   npx tsx bench/emulator-fanout.ts [--lines 20000] [--subscribers 1,10,50] [--rate 20000]
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { startEmulator } from '../emulator/index';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '20000' },
    subscribers: { type: 'string', default: '1,10,50' },
    rate: { type: 'string', default: '20000' },
  },
});
const LINES = Number(values.lines);
const SUBS = values.subscribers.split(',').map(Number);
const RATE = Number(values.rate);

interface Sub {
  received: number;
  lat: number[];
  done: Promise<void>;
  close(): void;
}

/** Reads SSE records, counting lines and measuring emit-to-receive latency from `emitted_at`. */
async function subscribe(url: string, headers: Record<string, string>, total: number, agent: Agent): Promise<Sub> {
  const ac = new AbortController();
  const res = await request(url, { headers: { accept: 'text/event-stream', ...headers }, dispatcher: agent, signal: ac.signal });
  if (res.statusCode !== 200) throw new Error(`subscribe: HTTP ${res.statusCode}`);
  const sub: Sub = { received: 0, lat: [], done: Promise.resolve(), close: () => ac.abort() };
  let buf = '';
  sub.done = (async () => {
    try {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString('utf8');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const d = block.indexOf('data: ');
          if (d < 0 || block.includes('event: ping')) continue;
          const rec = JSON.parse(block.slice(d + 6)) as { emitted_at?: number };
          if (rec.emitted_at === undefined) continue;
          sub.received++;
          sub.lat.push(performance.timeOrigin + performance.now() - rec.emitted_at);
          if (sub.received >= total) return;
        }
      }
    } catch {
      // aborted
    }
  })();
  return sub;
}

async function measure(kind: string, url: string, headers: Record<string, string>, k: number, emit: (n: number) => Promise<void>) {
  const agent = new Agent({ connections: k + 4 });
  const subs = await Promise.all(Array.from({ length: k }, () => subscribe(url, headers, LINES, agent)));
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await emit(LINES);
  const guard = setTimeout(() => subs.forEach((s) => s.close()), 60_000);
  await Promise.all(subs.map((s) => s.done));
  clearTimeout(guard);
  const secs = (performance.now() - t0) / 1000;
  subs.forEach((s) => s.close());
  await agent.close();
  const received = subs.reduce((a, s) => a + s.received, 0);
  const lat = subs.flatMap((s) => s.lat).sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { kind, k, delivered: received, expected: LINES * k, linesPerSec: received / secs, p50: pct(0.5), p99: pct(0.99) };
}

/** Emits n lines at `rate` lines/s in 5 ms slices (the same pacing the emulator's flood uses). */
function paced(n: number, rate: number, emitOne: (seq: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) emitOne(++sent);
      if (sent >= n) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

// Baseline: the same SSE frames written by a bare server, no auth, no ring buffer, no JSON building.
const bareSubs = new Set<ServerResponse>();
const bare = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': ok\n\n');
  bareSubs.add(res);
  res.once('close', () => bareSubs.delete(res));
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
let bareId = 0;
const bareEmit = (seq: number) => {
  const frame = `id: ${++bareId}\ndata: ${JSON.stringify({ name: 'webtask', msg: `line ${seq}`, level: 30, time: new Date().toISOString(), sandbox: true, seq, emitted_at: performance.timeOrigin + performance.now() })}\n\n`;
  for (const r of bareSubs) r.write(frame);
};

const emu = await startEmulator({ port: 0, quiet: true, logBufferSize: 1000 });
emu.issueToken({ ten: 'fanout' });
const emuUrl = `${emu.url}/api/logs/tenant/fanout`;
const auth = { authorization: `Bearer ${emu.masterToken}` };
const emuEmit = (seq: number) =>
  emu.emitLog('fanout', { msg: `line ${seq}`, level: 30, sandbox: true, seq, emitted_at: performance.timeOrigin + performance.now() });

console.log(`log-stream fan-out: ${LINES} lines paced at ${RATE} lines/s into one container`);
for (const k of SUBS) {
  const b = await measure('bare', bareUrl, {}, k, (n) => paced(n, RATE, bareEmit));
  const e = await measure('emulator', emuUrl, auth, k, (n) => paced(n, RATE, emuEmit));
  for (const r of [b, e]) {
    console.log(
      `  ${r.kind.padEnd(8)} ${String(k).padStart(3)} subscribers: ${r.linesPerSec.toFixed(0).padStart(8)} lines/s delivered  latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms  (${r.delivered}/${r.expected}${r.delivered === r.expected ? ', no loss' : ', LOSS'})`,
    );
  }
  console.log(`  ratio emulator/bare (lines/s) at ${k}: ${(e.linesPerSec / b.linesPerSec).toFixed(3)}`);
}
bare.close();
await emu.close();
