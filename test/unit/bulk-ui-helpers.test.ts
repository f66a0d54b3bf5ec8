// The bulk replay view's pure parts: candidates from a fleet scan (failing first), the fleet's
// "Replay selected" jobs, the targets sent to the core, and the aggregate ETA.
import { describe, expect, it } from 'vitest';
import type { BulkTenant, BulkView, FleetRow } from '../../common/contract';
import {
  bulkEta,
  candidatesOf,
  estimatedOf,
  failingExportsOf,
  fmtSeconds,
  hostSelectionText,
  rowControls,
} from '../../renderer/src/features/bulk/format';

const row = (container: string, exports: string[], failing: string[] = [], lagMs: number | null = null): FleetRow => ({
  container,
  state: 'ok',
  extensions: exports.length,
  auth0: {},
  cron: null,
  failing: failing.map((name) => ({ name, errorCount: 2, lastAt: null, statusCode: 503, state: 'active' as const })),
  errorCount: failing.length * 2,
  exports: exports.map((name) => ({ name, extension: name, cron: 'active' as const, checkpoint: null, newestAt: null, lagMs })),
  maxLagMs: lagMs,
  scannedAt: '2026-12-02T12:00:00.000Z',
});

describe('bulk candidates', () => {
  it('lists failing export jobs first, then by hand, then the most lagging, and never a job twice', () => {
    const rows = [
      row('a', ['logs-to-logstash'], [], 5000),
      row('b', ['logs-to-logstash', 'logs-to-cloudwatch'], ['logs-to-cloudwatch']),
      row('c', ['logs-to-splunk'], [], 1),
    ];
    const list = candidatesOf(rows, [
      { container: 'z', name: 'logs-to-datadog' },
      { container: 'a', name: 'logs-to-logstash' },
    ]);
    expect(list.map((c) => `${c.container}/${c.name}`)).toEqual([
      'b/logs-to-cloudwatch',
      'z/logs-to-datadog',
      'a/logs-to-logstash',
      'c/logs-to-splunk',
      'b/logs-to-logstash',
    ]);
    expect(list[0]).toMatchObject({ failing: true, statusCode: 503, errorCount: 2 });
    expect(list[1]).toMatchObject({ manual: true, failing: false });
  });

  it("takes only failing jobs that are export jobs for the fleet's Replay selected", () => {
    // A failing cron job that is not an export (audit-logger) is not replayable.
    const rows = [row('a', ['logs-to-logstash'], ['logs-to-logstash', 'audit-logger']), row('b', ['logs-to-cloudwatch'])];
    expect(failingExportsOf(rows)).toEqual([{ container: 'a', name: 'logs-to-logstash' }]);
  });
});

const tenant = (over: Partial<BulkTenant>): BulkTenant => ({
  container: 't',
  name: 'logs-to-logstash',
  destination: { kind: 'logstash', label: 'Logstash http://x' },
  from: '1'.repeat(56),
  fromSource: 'given',
  estimate: null,
  cronActive: false,
  state: 'waiting',
  attempts: 0,
  checkpoint: null,
  progress: null,
  report: null,
  error: null,
  duplicatesPossible: false,
  startedAt: null,
  endedAt: null,
  ...over,
});

const view = (tenants: BulkTenant[], over: Partial<BulkView> = {}): BulkView => ({
  bulkId: 'br-abcdef',
  profileId: 'p',
  mode: 'local',
  concurrency: 2,
  createdAt: '2026-12-02T12:00:00.000Z',
  state: 'running',
  note: null,
  counts: { waiting: 0, running: 0, paused: 0, ok: 0, failed: 0, cancelled: 0 },
  delivered: 0,
  logsPerSecond: 0,
  tenants,
  ...over,
});

describe('bulk ETA', () => {
  const now = Date.parse('2026-12-02T12:01:00.000Z');
  const done = tenant({ state: 'ok', startedAt: '2026-12-02T12:00:00.000Z', endedAt: '2026-12-02T12:00:10.000Z' });

  it('is unknown before any tenant finished and without estimates, and nothing once not running', () => {
    expect(bulkEta(view([tenant({ state: 'running', startedAt: '2026-12-02T12:00:50.000Z' })]), now)).toBeNull();
    expect(bulkEta(view([done], { state: 'paused' }), now)).toBeNull();
  });

  it('uses the logs left at the current rate when every tenant has an estimate', () => {
    const v = view([tenant({ estimate: 1000, state: 'running' }), tenant({ estimate: 1000 })], { delivered: 500, logsPerSecond: 100 });
    expect(bulkEta(v, now)).toBe(15);
  });

  it('otherwise counts rounds of the mean tenant duration, and a running tenant’s own ETA when the engine knows it', () => {
    // Mean 10 s; one running started 4 s ago (6 s left); three waiting at 2 at once: 2 rounds of 10 s.
    const running = tenant({ state: 'running', startedAt: '2026-12-02T12:00:56.000Z' });
    const v = view([done, running, tenant({}), tenant({}), tenant({})]);
    expect(bulkEta(v, now)).toBe(26);
    const withEta = tenant({
      state: 'running',
      startedAt: '2026-12-02T12:00:56.000Z',
      progress: {
        phase: 'running',
        processed: 1,
        delivered: 1,
        filtered: 0,
        batches: 1,
        retries: 0,
        logsPerSecond: 1,
        checkpoint: null,
        etaSeconds: 30,
        fraction: 0.1,
        total: null,
        head: null,
      },
    });
    expect(bulkEta(view([done, withEta]), now)).toBe(30);
    expect(fmtSeconds(26)).toBe('about 26 s');
    expect(fmtSeconds(90)).toBe('about 1 min 30 s');
    expect(fmtSeconds(null)).toBe('not known yet');
  });
});

describe('bulk row controls', () => {
  const stopping = (to: 'paused' | 'cancelled') => ({ to, note: `then ${to}` });
  const on = (c: ReturnType<typeof rowControls>) =>
    Object.entries(c)
      .filter(([, v]) => v)
      .map(([k]) => k);

  it('offers pause and cancel while running, resume and cancel when paused, retry when failed or cancelled', () => {
    expect(on(rowControls({ state: 'running' }, true))).toEqual(['pause', 'cancel']);
    expect(on(rowControls({ state: 'waiting', stopping: null }, true))).toEqual(['pause', 'cancel']);
    // The whole paused: a tenant is not paused alone, but can still be cancelled.
    expect(on(rowControls({ state: 'waiting' }, false))).toEqual(['cancel']);
    expect(on(rowControls({ state: 'paused' }, true))).toEqual(['resume', 'cancel']);
    expect(on(rowControls({ state: 'failed' }, true))).toEqual(['retry']);
    expect(on(rowControls({ state: 'cancelled' }, true))).toEqual(['retry']);
    expect(on(rowControls({ state: 'ok' }, true))).toEqual([]);
  });

  it('does not ask a pending stop again: a pending pause can be resumed or made a cancel, a pending cancel stands', () => {
    expect(on(rowControls({ state: 'running', stopping: stopping('paused') }, true))).toEqual(['resume', 'cancel']);
    expect(on(rowControls({ state: 'running', stopping: stopping('paused') }, false))).toEqual(['resume', 'cancel']);
    expect(on(rowControls({ state: 'running', stopping: stopping('cancelled') }, true))).toEqual([]);
  });
});

describe('bulk estimated progress and host selection', () => {
  const progress = {
    phase: 'running' as const,
    processed: 10,
    delivered: 10,
    filtered: 0,
    batches: 0,
    retries: 0,
    logsPerSecond: 5,
    checkpoint: null,
    etaSeconds: null,
    fraction: 0.5,
    total: 20,
    head: null,
  };
  const report = { ...progress, nextCheckpoint: null } as unknown as BulkTenant['report'];

  it("marks a row estimated while its progress carries the core's message, not once the run's report is in", () => {
    const message = 'estimated from the stored checkpoint';
    expect(estimatedOf(tenant({ state: 'running', progress: { ...progress, message } }))).toBe(message);
    expect(estimatedOf(tenant({ state: 'running', progress }))).toBeNull();
    expect(estimatedOf(tenant({ state: 'ok', progress: { ...progress, message }, report }))).toBeNull();
  });

  it('shows the partial part of a host selection apart, without repeating it in the note', () => {
    const partial = 'a tenant token can only search its own container: only acme-prod was searched';
    expect(hostSelectionText({ note: `2 of 2 export job(s) in 1 tenant(s) send to x; ${partial}`, partial })).toEqual({
      note: '2 of 2 export job(s) in 1 tenant(s) send to x',
      partial,
    });
    expect(hostSelectionText({ note: 'the note', partial })).toEqual({ note: 'the note', partial });
    expect(hostSelectionText({ note: '3 of 5 export job(s) in 3 tenant(s) send to x' })).toEqual({
      note: '3 of 5 export job(s) in 3 tenant(s) send to x',
      partial: null,
    });
  });
});
