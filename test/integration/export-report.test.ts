// The report tells the truth (issue 14): rate-limit waits counted and timed apart from retries,
// duplicatesPossible only when a batch went out without an acknowledgement; and settings by
// their older names (issue 19): SLACK_INCOMING_WEBHOOK_URL reaches the emulator's Slack endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import { checkDelivery, idsOf } from '../helpers/export-check';
import { type ExportServer, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

const hitsOf = (id: string) => s.faults.list().find((r) => r.id === id)?.hits ?? -1;
const logstash = (name: string, extra: Record<string, unknown> = {}) =>
  exportSettings(s, name, 'logstash', {
    LOGSTASH_URL: `${s.url}/dest/logstash/${name}`,
    LOGSTASH_USER: '',
    LOGSTASH_PASSWORD: '',
    LOGSTASH_TOKEN: '',
    MAX_BATCH_EVENTS: 100,
    ...extra,
  });

describe('rate-limit waits are not retries', () => {
  it('a destination answering 429 with Retry-After: waits counted and timed, no retry, no possible duplicate', async () => {
    const t = addTenant(s, 'r429', { seedCount: 1500 });
    const p = s.dest.logstash.create('r429', {});
    const rule = s.faults.add({ path: '/dest/logstash/r429', rateLimitResetSec: 0, count: 3 }); // a count: a 30% rate missed 15 batches once in 200 runs
    const report = await runExport({ config: logstash('r429', { MAX_RETRIES: 2 }), checkpointStore: new MemoryCheckpointStore() });
    const hits = hitsOf(rule.id);
    s.faults.remove(rule.id);
    expect(report.status).toBe('ok');
    expect(hits).toBeGreaterThan(0);
    expect(report.rateLimitWaits).toBe(hits);
    expect(report.rateLimitWaitMs).toBeGreaterThan(0);
    expect(report.retries).toBe(0);
    expect(report.duplicatesPossible).toBe(false);
    expect(checkDelivery(t.allIds(), idsOf(p.events))).toMatchObject({ missing: [], duplicates: 0 });
  });

  it('the source answering 429 with x-ratelimit-reset: waits counted and timed apart from retries', async () => {
    const t = addTenant(s, 's429', { seedCount: 800 });
    s.dest.logstash.create('s429', {});
    const rule = s.faults.add({ pathRegex: '^/auth0/s429/api/v2/logs\\?.*take=', rateLimitResetSec: 1, count: 2 });
    const report = await runExport({ config: logstash('s429'), checkpointStore: new MemoryCheckpointStore() });
    s.faults.remove(rule.id);
    expect(report.status).toBe('ok');
    expect(report.delivered).toBe(t.allIds().length);
    expect(report.rateLimitWaits).toBeGreaterThanOrEqual(2);
    expect(report.rateLimitWaitMs).toBeGreaterThan(0);
    expect(report.retries).toBe(0);
  });
});

describe('duplicatesPossible only when a batch went out unacknowledged', () => {
  it('5xx answers are retried without any possible duplicate (the destination said no)', async () => {
    const t = addTenant(s, 'd503', { seedCount: 1500 });
    const p = s.dest.logstash.create('d503', {});
    const rule = s.faults.add({ path: '/dest/logstash/d503', status: 503, count: 3 }); // a count, not a rate that can miss every batch
    const report = await runExport({ config: logstash('d503', { MAX_RETRIES: 30 }), checkpointStore: new MemoryCheckpointStore() });
    const hits = hitsOf(rule.id);
    s.faults.remove(rule.id);
    expect(report.status).toBe('ok');
    expect(report.retries).toBe(hits);
    expect(report.retries).toBeGreaterThan(0);
    expect(report.duplicatesPossible).toBe(false);
    expect(checkDelivery(t.allIds(), idsOf(p.events))).toMatchObject({ missing: [], duplicates: 0 });
  });

  it('an answer cut after the destination stored the batch: the duplicates that arrive are announced', async () => {
    const t = addTenant(s, 'dmid', { seedCount: 1500 });
    const p = s.dest.logstash.create('dmid', {});
    const rule = s.faults.add({ path: '/dest/logstash/dmid', drop: 'mid-response', count: 3 });
    const report = await runExport({ config: logstash('dmid', { MAX_RETRIES: 30 }), checkpointStore: new MemoryCheckpointStore() });
    s.faults.remove(rule.id);
    const check = checkDelivery(t.allIds(), idsOf(p.events));
    expect(report.status).toBe('ok');
    expect(check.missing).toEqual([]);
    expect(check.duplicates).toBeGreaterThan(0);
    expect(report.duplicatesPossible).toBe(true);
  });
});

describe('settings by their older names', () => {
  it("a job configured with SLACK_INCOMING_WEBHOOK_URL (the first CloudWatch extension's name) posts its failure notice to the emulator's Slack endpoint", async () => {
    addTenant(s, 'oldslack', { seedCount: 200 });
    s.dest.logstash.create('oldslack', {});
    const before = s.dest.slack.messages.length;
    const rule = s.faults.add({ path: '/dest/logstash/oldslack', status: 502 });
    const report = await runExport({
      config: logstash('oldslack', { MAX_RETRIES: 1, SLACK_INCOMING_WEBHOOK_URL: `${s.url}/dest/slack/T0OLD/B0OLD/legacy-name` }),
      checkpointStore: new MemoryCheckpointStore(),
      jobName: 'logs-to-cloudwatch (migrated)',
    });
    s.faults.remove(rule.id);
    expect(report.status).toBe('failed');
    expect(report.warnings).toEqual([]);
    const notices = s.dest.slack.messages.slice(before).filter((m) => m.hook === 'T0OLD/B0OLD/legacy-name');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message.text).toMatch(/logs-to-cloudwatch \(migrated\): export to logstash failed/);
    expect(notices[0]!.message.attachments?.[0]?.color).toBe('#d0021b');
  });
});
