// Splunk HEC and Datadog Logs through faults, as test/integration/export-faults.test.ts does for the
// other destinations: 5xx, 429 with Retry-After, dropped connections, a rejected token; none lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import { checkDelivery } from '../helpers/export-check';
import { type ExportServer, TEST_SPLUNK, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

type Kind = 'splunk' | 'datadog';

/** A token / API key of its own per test, so received logs are this test's only. */
function credentials(kind: Kind, name: string): { settings: Record<string, unknown>; received: () => string[] } {
  const secret = `${kind}-${name}-credential-0001`;
  if (kind === 'splunk') {
    s.dest.splunk.addToken(secret, { indexes: ['auth0'] });
    return {
      settings: { SPLUNK_TOKEN: secret, SPLUNK_INDEX: '' },
      received: () => s.dest.splunk.received(secret).map((e) => (e.event as { message: { log_id: string } }).message.log_id),
    };
  }
  s.dest.datadog.addApiKey(secret);
  return { settings: { DATADOG_API_KEY: secret }, received: () => s.dest.datadog.received(secret).map((l) => String(l.log_id)) };
}

describe.each(['splunk', 'datadog'] as const)('%s through faults', (kind) => {
  it('survives 5xx, 429 with Retry-After and dropped connections (before and mid-response): none lost, duplicates bounded by retries', async () => {
    const name = `${kind}-faulty`;
    const t = addTenant(s, name, { seedCount: 3000 });
    const c = credentials(kind, name);
    const path = `/dest/${kind}`;
    const rules = [
      // One certain fault first, so "retries > 0" holds on every run; the rates give the mix.
      s.faults.add({ path, status: 503, count: 1 }),
      s.faults.add({ path, status: 503, rate: 0.15 }),
      s.faults.add({ path, status: 500, rate: 0.05 }),
      s.faults.add({ path, rateLimitResetSec: 0, rate: 0.1 }),
      s.faults.add({ path, drop: 'before-response', rate: 0.08 }),
      // Stored, then the answer is cut: the sender cannot know, so the batch comes again.
      s.faults.add({ path, drop: 'mid-response', rate: 0.05 }),
    ];
    const report = await runExport({
      config: exportSettings(s, name, kind, { ...c.settings, MAX_RETRIES: 40, MAX_BATCH_EVENTS: 200 }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    for (const r of rules) s.faults.remove(r.id);
    const check = checkDelivery(t.allIds(), c.received());
    expect(report.status).toBe('ok');
    expect(report.retries).toBeGreaterThan(0);
    expect(check.missing).toEqual([]);
    expect(check.duplicates).toBeLessThanOrEqual(report.retries * 200);
    expect(report.duplicatesPossible).toBe(check.duplicates > 0 || report.duplicatesPossible);
    expect(report.delivered).toBe(3000);
  });

  it('stops at once on a rejected token, names the setting, never quotes it, and moves no checkpoint', async () => {
    const name = `${kind}-badtoken`;
    addTenant(s, name, { seedCount: 50 });
    const wrong = kind === 'splunk' ? { SPLUNK_TOKEN: 'wrong-hec-token-4242' } : { DATADOG_API_KEY: 'wrong-dd-key-4242' };
    const store = new MemoryCheckpointStore();
    const lines: string[] = [];
    const report = await runExport({
      config: exportSettings(s, name, kind, { ...wrong, MAX_RETRIES: 5 }),
      checkpointStore: store,
      log: (l) => lines.push(l),
    });
    expect(report).toMatchObject({ status: 'failed', delivered: 0, retries: 0 });
    expect(report.error).toMatch(
      kind === 'splunk'
        ? /Splunk HEC answered 403: Invalid token \(HEC code 4\): check SPLUNK_TOKEN/
        : /Datadog answered 403: Forbidden: API key is invalid: check DATADOG_API_KEY/,
    );
    expect(store.value).toBeNull();
    expect(JSON.stringify(report) + lines.join('\n')).not.toContain('4242');
  });
});

describe('API-shaped throttling and acknowledgement', () => {
  it('Splunk "Server is busy" (503, code 9) is waited out; none lost', async () => {
    const t = addTenant(s, 'sp-busy', { seedCount: 600 });
    const c = credentials('splunk', 'sp-busy');
    s.dest.splunk.busy = 4;
    const report = await runExport({
      config: exportSettings(s, 'sp-busy', 'splunk', { ...c.settings, MAX_BATCH_EVENTS: 100 }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(s.dest.splunk.busy).toBe(0);
    expect(report).toMatchObject({ status: 'ok', retries: 4 });
    expect(checkDelivery(t.allIds(), c.received())).toMatchObject({ missing: [], duplicates: 0 });
  });

  it('Datadog 429 waits for Retry-After before sending again; none lost', async () => {
    const t = addTenant(s, 'dd-429', { seedCount: 300 });
    const c = credentials('datadog', 'dd-429');
    s.dest.datadog.throttled = 1;
    s.dest.datadog.retryAfterSec = 1;
    const lines: string[] = [];
    const report = await runExport({
      config: exportSettings(s, 'dd-429', 'datadog', c.settings),
      checkpointStore: new MemoryCheckpointStore(),
      log: (l) => lines.push(l),
    });
    // A 429 is a rate-limit wait, counted apart from retries (the report's rateLimitWaits).
    expect(report).toMatchObject({ status: 'ok', retries: 0, rateLimitWaits: 1 });
    // The wait honoured Retry-After (1 s), whatever the backoff settings (20-500 ms here) say.
    const wait = Number(/rate limited, waiting (\d+) ms/.exec(lines.find((l) => l.includes('429')) ?? '')?.[1]);
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(report.rateLimitWaitMs).toBe(wait);
    expect(checkDelivery(t.allIds(), c.received())).toMatchObject({ missing: [], duplicates: 0 });
  });

  it('Splunk with SPLUNK_ACK: each batch is acknowledged at /services/collector/ack before the checkpoint moves', async () => {
    const t = addTenant(s, 'sp-ack', { seedCount: 500 });
    const before = s.dest.splunk.stats.ackQueries;
    const store = new MemoryCheckpointStore();
    const report = await runExport({
      config: exportSettings(s, 'sp-ack', 'splunk', { SPLUNK_TOKEN: TEST_SPLUNK.ackToken, SPLUNK_ACK: 'true', MAX_BATCH_EVENTS: 100 }),
      checkpointStore: store,
    });
    expect(report).toMatchObject({ status: 'ok', delivered: 500 });
    expect(s.dest.splunk.stats.ackQueries - before).toBeGreaterThanOrEqual(report.batches);
    expect(store.value).toBe(t.allIds().at(-1));
    const got = s.dest.splunk.received(TEST_SPLUNK.ackToken).map((e) => (e.event as { message: { log_id: string } }).message.log_id);
    expect(checkDelivery(t.allIds(), got)).toMatchObject({ missing: [], duplicates: 0 });
  });

  it('Splunk with an acknowledging token but SPLUNK_ACK off: stops with the fix in words', async () => {
    addTenant(s, 'sp-noack', { seedCount: 20 });
    const report = await runExport({
      config: exportSettings(s, 'sp-noack', 'splunk', { SPLUNK_TOKEN: TEST_SPLUNK.ackToken }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/Data channel is missing \(HEC code 10\): turn SPLUNK_ACK on/);
  });
});
