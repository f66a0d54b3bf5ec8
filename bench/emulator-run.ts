// Run throughput of a trivial extension through the emulator (HTTP -> proxy -> worker -> response),
// beside a bare node:http server answering the same request over the same client in the same run.
//   npx tsx bench/emulator-run.ts [--seconds 5] [--concurrency 32]
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { startEmulator } from '../emulator/index';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

interface Result {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

async function load(url: string, seconds: number): Promise<Result> {
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  const lat: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        try {
          const r = await request(url, { dispatcher: agent });
          await r.body.text();
          if (r.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await agent.close();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { requests: lat.length, errors, rps: lat.length / elapsed, p50: pct(0.5), p99: pct(0.99) };
}

function bare(): Promise<Server> {
  const server = createServer((_req, res) => {
    const body = JSON.stringify({ ok: 1 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const fmt = (r: Result) =>
  `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.requests} requests, ${r.errors} errors)`;

const emu = await startEmulator({ port: 0, quiet: true });
const put = await fetch(`${emu.url}/api/webtask/bench/trivial`, {
  method: 'PUT',
  headers: { authorization: `Bearer ${emu.masterToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ code: 'module.exports = function (cb) { cb(null, { ok: 1 }); };' }),
});
if (put.status !== 200) throw new Error(`deploy failed: HTTP ${put.status}`);
const server = await bare();
const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const runUrl = `${emu.url}/api/run/bench/trivial`;

// Warm both paths (workers spawned, JIT warm).
await load(runUrl, 1);
await load(bareUrl, 1);

const baseline = await load(bareUrl, SECONDS);
const run = await load(runUrl, SECONDS);
console.log(`emulator run throughput, trivial extension, ${CONCURRENCY} concurrent clients, ${SECONDS} s each`);
console.log(`  bare node:http server : ${fmt(baseline)}`);
console.log(`  emulator /api/run     : ${fmt(run)}`);
console.log(`  ratio emulator/bare   : ${(run.rps / baseline.rps).toFixed(3)}`);
server.close();
await emu.close();
if (run.errors > 0) process.exitCode = 1;
