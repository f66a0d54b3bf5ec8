// The engine's source against the emulated Management API, asserting the requests the API saw:
// the documented first request (search mode, oldest first, or checkpoint mode from a checkpoint),
// then only `Link: rel=next` URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import { type ExportServer, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

const settings = (tenant: string, extra: Record<string, unknown> = {}) =>
  exportSettings(s, tenant, 'logstash', {
    LOGSTASH_URL: `${s.url}/dest/logstash/${tenant}`,
    LOGSTASH_USER: '',
    LOGSTASH_PASSWORD: '',
    LOGSTASH_TOKEN: '',
    ...extra,
  });

describe('export source, as Auth0 documents it', () => {
  it('a first run with no checkpoint starts in search mode, oldest first, delivers the oldest log first, then follows Link rel=next', async () => {
    const t = addTenant(s, 'firstrun', { seedCount: 450 });
    const p = s.dest.logstash.create('firstrun', {});
    const report = await runExport({ config: settings('firstrun'), checkpointStore: new MemoryCheckpointStore() });
    expect(report.status).toBe('ok');
    const ids = t.allIds();
    expect((p.events[0] as { log_id: string }).log_id).toBe(ids[0]);
    expect(p.events.map((e) => (e as { log_id: string }).log_id)).toEqual(ids);
    const seen = t.requestLog.filter((r) => r.startsWith('/api/v2/logs'));
    expect(seen[0]).toBe('/api/v2/logs?page=0&per_page=100&sort=date%3A1');
    // Then checkpoint mode from the first page's smallest log_id (its repeats dropped), and after that
    // each request is exactly the next URL the previous answer named.
    expect(seen.slice(1)).toEqual([0, 100, 200, 300, 400].map((k) => `/api/v2/logs?from=${ids[k]}&take=100`));
    expect(t.stat().refused).toBe(0);
  });

  it('a run from a checkpoint asks in checkpoint mode (from + take) first, then follows Link rel=next to the head', async () => {
    const t = addTenant(s, 'fromcp', { seedCount: 330 });
    s.dest.logstash.create('fromcp', {});
    const ids = t.allIds();
    const store = new MemoryCheckpointStore();
    await store.save(ids[29]!);
    const report = await runExport({ config: settings('fromcp', { BATCH_SIZE: 100 }), checkpointStore: store });
    expect(report).toMatchObject({ status: 'ok', processed: 300, nextCheckpoint: ids.at(-1) });
    const seen = t.requestLog.filter((r) => r.startsWith('/api/v2/logs'));
    expect(seen).toEqual([ids[29], ids[129], ids[229], ids[329]].map((id) => `/api/v2/logs?from=${id}&take=100`));
  });
});
