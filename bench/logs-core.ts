/**
 * The log core alone (socket to lines, no pane): the webtask client's `openLogStream`, `LogStream`
 * (SSE, records, bounded queue) and the `Pump`, wired as `core/logs/tail.ts` wires them, with the
 * console's redactor holding the token. Batches are acknowledged as soon as they are sent, so the pane
 * never holds the core back. The baseline is the real `wt logs` (stdout to a file) on the same emulator
 * in the same run; rounds alternate between the two (the machine is shared) and the best round of each
 * is reported.
 *
 *   npx tsx bench/logs-core.ts [--quick] [--lines N] [--rounds N]
 *
 * Each round: the emulator (own process) floods N lines into a fresh container's ring buffer; the
 * consumer then connects through a loopback relay (own process) that asks for the stream from the start
 * (`Last-Event-ID: 0`, only when the consumer sent none, so a resume stays a resume), and the emulator
 * replays the whole flood at socket speed. The rate is N over the time from the relay's first byte of
 * the answer to the consumer's last line (Date.now() on both sides). (A live flood measures the emulator: under load it emits
 * slower than either consumer reads.) The relay reads the emulator's socket without back-pressure,
 * so the emulator never cuts a slow consumer. Lost and duplicated lines are counted from the flood's
 * sequence numbers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogLine } from '../common/contract/logs';
import { openTail } from '../core/logs';
import { Redactor } from '../core/util/redact';
import { WebtaskClient } from '../core/webtask/client';
import { admin, fmt, sleep, startEmulatorProcess } from './logs-bench-common';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const numArg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  const v = i === -1 ? NaN : Number(argv[i + 1]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const LINES = numArg('--lines', QUICK ? 50_000 : 200_000);
const ROUNDS = numArg('--rounds', QUICK ? 2 : 3);
/** Far above what either consumer reads: the emulator emits as fast as it can. */
const FLOOD_RATE = 1_000_000;
const ROUND_TIMEOUT_MS = 120_000;

interface Emu {
  url: string;
  masterToken: string;
}

/** Floods `count` lines into `container`'s ring buffer and waits until the emulator has emitted them all. */
async function flood(emu: Emu, container: string, count: number): Promise<string> {
  const { id } = (await admin(emu, 'POST', `/admin/logs/${container}/flood`, { rate: FLOOD_RATE, count })) as { id: string };
  const end = Date.now() + ROUND_TIMEOUT_MS;
  while (Date.now() < end) {
    const active = (await admin(emu, 'GET', `/admin/logs/${container}/flood`)) as Array<{ id: string }>;
    if (!active.some((f) => f.id === id)) return id;
    await sleep(50);
  }
  throw new Error('the emulator did not finish its flood');
}

/**
 * The loopback relay (bench/logs-core-relay.ts, own process): log streams go to the current round's
 * container, from the start of its buffer; `firstByteAt` (Date.now()) is when the last answer began.
 */
class Relay {
  url = '';
  firstByteAt = 0;
  private child: ChildProcess | undefined;

  constructor(private readonly emu: Emu) {}

  async start(): Promise<void> {
    const child = spawn(resolve('node_modules/.bin/tsx'), ['bench/logs-core-relay.ts', this.emu.url], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child = child;
    const rl = createInterface({ input: child.stdout! });
    this.url = await new Promise<string>((res, rej) => {
      rl.once('line', res);
      child.once('exit', (c) => rej(new Error(`relay exited (${c})`)));
    });
    rl.on('line', (l) => {
      if (l.startsWith('first ')) this.firstByteAt = Number(l.slice('first '.length));
    });
  }

  /** Where log streams go from now on; resolves once the relay has it. */
  async use(container: string): Promise<void> {
    this.firstByteAt = 0;
    this.child!.stdin!.write(`container ${container}\n`);
    await sleep(100);
  }

  close(): void {
    this.child?.stdin?.end();
    this.child?.kill('SIGTERM');
  }
}

/** Counts each sequence number of one flood: seen once, lost, seen twice. */
class Tally {
  private readonly seen: Uint8Array;
  count = 0;
  dup = 0;
  constructor(private readonly n: number) {
    this.seen = new Uint8Array(n + 1);
  }
  add(seq: number): void {
    if (!(seq >= 1 && seq <= this.n)) return;
    if (this.seen[seq]) this.dup++;
    else {
      this.seen[seq] = 1;
      this.count++;
    }
  }
  get lost(): number {
    return this.n - this.count;
  }
}

interface Round {
  rate: number;
  lost: number;
  dup: number;
  ms: number;
}

// ---- the core -----------------------------------------------------------------------------------
async function coreRound(emu: Emu, relay: Relay, container: string): Promise<Round> {
  const id = await flood(emu, container, LINES);
  await relay.use(container);
  const redactor = new Redactor();
  redactor.add(emu.masterToken);
  const client = new WebtaskClient({ url: relay.url, token: emu.masterToken });
  const tally = new Tally(LINES);
  const prefix = `flood ${id} line `;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const tail = openTail({
    streamId: 'bench',
    container,
    connect: ({ lastEventId, signal }) => client.openLogStream(container, { lastEventId, signal }),
    redactor,
    onStatus: () => undefined,
    onBatch: (seq: number, lines: LogLine[]) => {
      for (const l of lines) {
        // "flood <id> line <n>": the flood checked by its prefix, then the number.
        if (l.msg.startsWith(prefix)) tally.add(Number(l.msg.slice(prefix.length)));
      }
      if (tally.count >= LINES && !last) {
        last = Date.now();
        done();
      }
      // Drained as fast as batches come: the pane never holds the core back here.
      queueMicrotask(() => tail.ack(seq));
    },
  });
  try {
    await Promise.race([finished, sleep(ROUND_TIMEOUT_MS)]);
    if (!last) last = Date.now();
    // Late duplicates would show up right after the last line.
    await sleep(200);
    const ms = last - relay.firstByteAt;
    return { rate: (tally.count / ms) * 1000, lost: tally.lost, dup: tally.dup, ms };
  } finally {
    await tail.close();
  }
}

// ---- the real wt logs, stdout to a file ---------------------------------------------------------
class Wt {
  private readonly home = mkdtempSync(join(tmpdir(), 'esc-bench-core-wt-'));
  private readonly env = { PATH: process.env.PATH ?? '', HOME: this.home, NO_COLOR: '1' };
  private readonly bin = resolve('node_modules/.bin/wt');

  constructor(emu: Emu, relay: Relay) {
    execFileSync(this.bin, ['init', '--url', relay.url, '--token', emu.masterToken, '--container', 'bench', '-p', 'bench'], {
      env: this.env,
    });
  }

  async round(emu: Emu, relay: Relay, container: string): Promise<Round> {
    const id = await flood(emu, container, LINES);
    await relay.use(container);
    const out = join(this.home, `out-${Date.now()}.log`);
    const fd = openSync(out, 'w');
    const child = spawn(this.bin, ['logs', '-p', 'bench'], { env: this.env, stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      const wait = async (pred: () => boolean, ms: number, step: number) => {
        const end = Date.now() + ms;
        while (!pred() && !exited && Date.now() < end) await sleep(step);
      };
      const lastLine = Buffer.from(`flood ${id} line ${LINES}`);
      // Poll the file's tail (cheap: its size, then its last bytes) for the flood's last line.
      let size = 0;
      let last = 0;
      await wait(
        () => {
          const s = statSync(out).size;
          if (s === size) return false;
          size = s;
          const buf = Buffer.alloc(Math.min(s, 4096));
          const rfd = openSync(out, 'r');
          try {
            readSync(rfd, buf, 0, buf.length, s - buf.length);
          } finally {
            closeSync(rfd);
          }
          if (buf.includes(lastLine)) {
            last = Date.now();
            return true;
          }
          return false;
        },
        ROUND_TIMEOUT_MS,
        5,
      );
      if (!last) last = Date.now();
      await sleep(200);
      const tally = new Tally(LINES);
      const needle = `flood ${id} line `;
      for (const line of readFileSync(out, 'utf8').split('\n')) {
        const at = line.indexOf(needle);
        if (at !== -1) tally.add(parseInt(line.slice(at + needle.length), 10));
      }
      const ms = last - relay.firstByteAt;
      return { rate: (tally.count / ms) * 1000, lost: tally.lost, dup: tally.dup, ms };
    } finally {
      child.kill();
      rmSync(out, { force: true });
    }
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const emu = await startEmulatorProcess();
  const relay = new Relay(emu);
  await relay.start();
  const wt = new Wt(emu, relay);
  console.log(
    `logs-core bench${QUICK ? ' (quick)' : ''}: ${fmt(LINES)} lines per round, ${ROUNDS} rounds each, alternating; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
  const core: Round[] = [];
  const wts: Round[] = [];
  const show = (who: string, r: Round) =>
    console.log(`  ${who.padEnd(8)} ${fmt(r.rate).padStart(9)} lines/s  (${fmt(r.ms)} ms)  lost ${r.lost}  duplicated ${r.dup}`);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither always gets the quieter moment.
      const order = i % 2 === 0 ? (['core', 'wt'] as const) : (['wt', 'core'] as const);
      for (const who of order) {
        const container = `bench-${who}-${i}`;
        const r = who === 'core' ? await coreRound(emu, relay, container) : await wt.round(emu, relay, container);
        (who === 'core' ? core : wts).push(r);
        show(who === 'core' ? 'core' : 'wt logs', r);
        await sleep(300);
      }
    }
  } finally {
    wt.dispose();
    relay.close();
    emu.stop();
  }
  const best = (rs: Round[]) => rs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const bc = best(core);
  const bw = best(wts);
  const coreLost = core.reduce((s, r) => s + r.lost, 0);
  const coreDup = core.reduce((s, r) => s + r.dup, 0);
  const ratio = bc.rate / bw.rate;
  console.log(`\nbest of ${ROUNDS}: core ${fmt(bc.rate)} lines/s, wt logs ${fmt(bw.rate)} lines/s: x${ratio.toFixed(2)}`);
  console.log(
    `core lost ${coreLost}, duplicated ${coreDup} over all rounds; wt logs lost ${wts.reduce((s, r) => s + r.lost, 0)}, duplicated ${wts.reduce((s, r) => s + r.dup, 0)}`,
  );
  const ok = ratio >= 2 && coreLost === 0 && coreDup === 0;
  console.log(`target: >= 2x wt logs with 0 lost, 0 duplicated: ${ok ? 'MET' : 'MISSED'}`);
}

await main();
process.exit(0);
