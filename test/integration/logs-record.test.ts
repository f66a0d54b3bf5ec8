// Recording a tail to disk against the emulator, through the host: every line lands in the file as
// NDJSON with container and time, no token does, the file rotates at its cap, the audit log has the
// start and the stop, and lock stops the recording.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordStatus } from '../../common/contract';
import { logsTuning } from '../../core/host/features/logs';
import { rotatedPaths } from '../../core/logs';
import { useEmulator } from '../helpers/emulator';
import { hostOnEmulator, sleep, until } from '../helpers/logs';

const emu = useEmulator({ seed: 'empty', logPingMs: 200, logBufferSize: 20_000 });

beforeAll(() => {
  logsTuning.stream = { backoff: { initialMs: 100, maxMs: 2_000 }, silenceTimeoutMs: 3_000, statusIntervalMs: 200 };
});
afterAll(() => {
  logsTuning.stream = {};
  logsTuning.pump = {};
  logsTuning.record = {};
});

const linesOf = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { time: string; container: string; n: number; kind: string; record?: { msg: string } })
    : [];

type Tail = Awaited<ReturnType<typeof hostOnEmulator>>;

async function startRecording(t: Tail, streamId: string, name: string): Promise<RecordStatus> {
  const r = await t.host.call('logs.record.start', { streamId, suggestedName: name }, t.session);
  if (!r.ok) throw new Error(r.error.message);
  const data = r.data as { outcome: string; status?: RecordStatus };
  expect(data.outcome).toBe('recording');
  return data.status!;
}

const recordings = (t: Tail) =>
  t.rec.wire.map((w) => JSON.parse(w) as Partial<RecordStatus>).filter((p): p is RecordStatus => typeof p.recording === 'boolean');

describe('recording a tail to disk', () => {
  it('writes every line as NDJSON with container and time, redacted, while the pane acknowledges nothing', async () => {
    // The pane never acks and its window is small: recording happens as lines are read, not as the pane writes them.
    logsTuning.pump = { highWaterBytes: 16 * 1024, lowWaterBytes: 4 * 1024 };
    const t = await hostOnEmulator(emu(), { autoAck: false });
    try {
      const id = await t.open('rec-all');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      const started = await startRecording(t, id, 'rec-all.ndjson');
      expect(started.path).toBe(join(t.deps.dataDir, 'recordings', 'rec-all.ndjson'));
      expect(started).toMatchObject({ recording: true, capBytes: 100 * 1024 * 1024, keepFiles: 4 });
      const total = 5_000;
      for (let i = 1; i <= total; i++)
        emu().emitLog('rec-all', { msg: i === 77 ? `oops the key is ${emu().masterToken} #${i}` : `line #${i}`, level: 30 });
      await until(() => (t.lastStatus()?.lines ?? 0) >= total, 15_000, 'every line read');
      const stop = await t.host.call('logs.record.stop', { streamId: id }, t.session);
      expect(stop.ok).toBe(true);
      const final = (stop as { data: RecordStatus }).data;
      expect(final).toMatchObject({ recording: false, lines: total, files: 1 });
      const text = readFileSync(started.path!, 'utf8');
      expect(final.bytes).toBe(Buffer.byteLength(text));
      expect(text).not.toContain(emu().masterToken);
      expect(text).not.toContain(emu().masterToken.slice(0, 16));
      const lines = linesOf(started.path!);
      expect(lines.map((l) => Number(/#(\d+)$/.exec(l.record!.msg)?.[1]))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      for (const l of lines) {
        expect(l.container).toBe('rec-all');
        expect(l.kind).toBe('rec');
        expect(Number.isFinite(Date.parse(l.time))).toBe(true);
      }
      // The pane got far fewer lines than the file: it acknowledged nothing.
      expect(t.rec.lines.length).toBeLessThan(total);
      const audit = (await t.deps.audit.read()).filter((e) => e.action.startsWith('logs.record'));
      expect(audit.map((e) => e.action).sort()).toEqual(['logs.record.start', 'logs.record.stop']);
      expect(audit.find((e) => e.action === 'logs.record.stop')!.detail).toMatchObject({ lines: total, files: 1 });
      // The indicator heard the start and the stop.
      expect(recordings(t).at(0)).toMatchObject({ recording: true });
      expect(recordings(t).at(-1)).toMatchObject({ recording: false, lines: total });
      // Nothing more is written after the stop.
      emu().emitLog('rec-all', { msg: 'after stop' });
      await sleep(400);
      expect(readFileSync(started.path!, 'utf8')).toBe(text);
    } finally {
      logsTuning.pump = {};
      t.close();
    }
  });

  it('rotates at the cap, and lock stops the recording (audited, nothing written after)', async () => {
    logsTuning.record = { fileCapBytes: 32 * 1024, keepFiles: 2 };
    const t = await hostOnEmulator(emu());
    try {
      const id = await t.open('rec-rot');
      await until(() => t.lastStatus()?.state === 'connected', 5_000, 'connected');
      const started = await startRecording(t, id, 'rot.ndjson');
      expect(t.deps.flows.labels()).toContain(`record rec-rot -> ${started.path}`);
      for (let i = 1; i <= 2_000; i++) emu().emitLog('rec-rot', { msg: `line #${i} ${'x'.repeat(40)}`, level: 30 });
      await until(() => (recordings(t).at(-1)?.lines ?? 0) >= 2_000, 15_000, 'every line written');
      const files = rotatedPaths(started.path!, 2);
      for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(32 * 1024);
      const kept = [...files].reverse().flatMap(linesOf);
      expect(kept.at(-1)!.record!.msg).toMatch(/#2000 /);
      expect(recordings(t).at(-1)!.files).toBeGreaterThan(3);
      // Lock: the recording and the tail stop; the last word says why.
      expect(await t.deps.flows.closeAll('The console was locked.')).toBe(2);
      expect(recordings(t).at(-1)).toMatchObject({ recording: false, reason: 'The console was locked.' });
      const stop = (await t.deps.audit.read()).find((e) => e.action === 'logs.record.stop')!;
      expect(stop.detail).toMatchObject({ reason: 'The console was locked.' });
      const size = statSync(started.path!).size;
      emu().emitLog('rec-rot', { msg: 'after lock' });
      await sleep(400);
      expect(statSync(started.path!).size).toBe(size);
      expect((await t.host.call('logs.record.status', { streamId: id }, t.session)).ok).toBe(true);
    } finally {
      logsTuning.record = {};
      t.close();
    }
  });

  it('refuses a path for a name, and a closed tail', async () => {
    const t = await hostOnEmulator(emu());
    try {
      const id = await t.open('rec-bad');
      const bad = await t.host.call('logs.record.start', { streamId: id, suggestedName: '../../etc/x' }, t.session);
      expect(bad.ok).toBe(false);
      const dots = await t.host.call('logs.record.start', { streamId: id, suggestedName: '..' }, t.session);
      expect(dots.ok).toBe(false);
      await t.host.call('logs.close', { streamId: id }, t.session);
      const closed = await t.host.call('logs.record.start', { streamId: id, suggestedName: 'x.ndjson' }, t.session);
      expect(closed.ok).toBe(false);
    } finally {
      t.close();
    }
  });
});
