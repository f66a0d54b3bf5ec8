import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointFileError, FileCheckpointStore, storageCheckpointStore } from '../../core/export/checkpoint';
import { ExportReport, everyLogDelivered } from '../../core/export/report';

const id = (n: number) => String(n).padStart(56, '9');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'export-cp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file checkpoint store', () => {
  it('starts empty, then keeps the last saved id, leaving no temp files', async () => {
    const s = new FileCheckpointStore(join(dir, 'state'));
    expect(await s.load()).toBeNull();
    for (let i = 1; i <= 20; i++) await s.save(id(i));
    expect(await s.load()).toBe(id(20));
    expect(await readdir(join(dir, 'state'))).toEqual(['checkpoint.json']);
    expect(JSON.parse(await readFile(s.file, 'utf8'))).toMatchObject({ checkpointId: id(20) });
  });

  it('refuses a file that holds no checkpoint, with a fix in the message', async () => {
    const s = new FileCheckpointStore(dir);
    await writeFile(s.file, '{"checkpointId": 12}');
    await expect(s.load()).rejects.toThrow(/checkpoint.json does not hold a checkpoint .*--from CHECKPOINT.*move the file away/);
  });
});

describe('an unreadable checkpoint file', () => {
  it.each([
    ['truncated', '{"checkpointId":"9002', /is not valid JSON \(truncated\?\)/],
    ['empty', '', /is empty/],
    ['null', 'null', /holds null/],
    ['binary', Buffer.from([0, 1, 2, 0xff]), /is binary/],
    ['a number', '42', /holds a number/],
  ])('%s: stops with the file, the reason and both ways out, and leaves the file as it was', async (_w, content, reason) => {
    const s = new FileCheckpointStore(dir);
    await writeFile(s.file, content);
    const e = await s.load().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointFileError);
    expect((e as Error).message).toContain(`the checkpoint file ${s.file}`);
    expect((e as Error).message).toMatch(reason);
    expect((e as Error).message).toMatch(/--from CHECKPOINT.*move the file away/);
    expect(Buffer.compare(await readFile(s.file), Buffer.from(content))).toBe(0);
  });

  it('is moved aside, with a line saying where, before the first save replaces it', async () => {
    const lines: string[] = [];
    const s = new FileCheckpointStore(dir, { log: (l) => lines.push(l) });
    await writeFile(s.file, '{"checkpointId":');
    await s.save(id(7));
    expect(await s.load()).toBe(id(7));
    expect(s.setAside).toMatch(/checkpoint\.json\.unreadable-/);
    expect(await readFile(s.setAside!, 'utf8')).toBe('{"checkpointId":');
    expect(lines).toEqual([expect.stringMatching(/is not valid JSON .*moved to .*unreadable-/)]);
  });
});

describe('webtask storage checkpoint store', () => {
  it("keeps the old extensions' checkpointId field and every other stored field", async () => {
    let data: unknown = { other: 1 };
    const s = storageCheckpointStore({ get: async () => data, set: async (v) => void (data = v) });
    expect(await s.load()).toBeNull();
    await s.save(id(5));
    expect(data).toEqual({ other: 1, checkpointId: id(5) });
    expect(await s.load()).toBe(id(5));
  });
});

describe('report', () => {
  const base: ExportReport = {
    status: 'ok',
    destination: 'logstash',
    dryRun: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    startCheckpoint: null,
    processed: 10,
    filtered: 2,
    delivered: 8,
    rejected: 0,
    unknownTypes: {},
    batches: 1,
    retries: 0,
    nextCheckpoint: id(1),
    duplicatesPossible: false,
    durationMs: 1000,
    logsPerSecond: 10,
  };
  it('counts a run as complete only when every fetched log was delivered or filtered', () => {
    expect(everyLogDelivered(ExportReport.parse(base))).toBe(true);
    expect(everyLogDelivered({ ...base, delivered: 7 })).toBe(false);
    expect(everyLogDelivered({ ...base, delivered: 7, rejected: 1 })).toBe(false);
    expect(everyLogDelivered({ ...base, status: 'failed', error: 'x', failedCheckpoint: id(1) })).toBe(false);
    expect(everyLogDelivered({ ...base, dryRun: true })).toBe(false);
  });
  it('the schema refuses a malformed report', () => {
    expect(ExportReport.safeParse({ ...base, status: 'maybe' }).success).toBe(false);
    expect(ExportReport.safeParse({ ...base, processed: 1.5 }).success).toBe(false);
  });
});
