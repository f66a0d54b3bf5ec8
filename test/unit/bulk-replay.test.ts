// The cron in-flight inference and the bulk report's CSV, without a cluster.
import { describe, expect, it } from 'vitest';
import { CRON_RUN_MAX_MS, cronRunInFlight } from '../../core/host/bulk-replay/guard';
import { bulkReport } from '../../core/host/bulk-replay/runner';
import { destinationHosts, normalizeHost } from '../../core/host/bulk-replay/select';
import { summaryMessage } from '../../core/host/bulk-replay/slack';
import type { BulkView } from '../../common/contract';
import type { WireCronJob } from '../../core/webtask/cron';

const job = (over: Partial<WireCronJob> & Record<string, unknown>): WireCronJob =>
  ({
    name: 'j',
    state: 'active',
    schedule: '*/10 * * * *',
    tz: 'UTC',
    next_available_at: '2026-01-01T10:20:00.000Z',
    created_at: '2026-01-01T09:00:00.000Z',
    run_count: 1,
    error_count: 0,
    ...over,
  }) as WireCronJob;

describe('cronRunInFlight', () => {
  // "Now" is just after the run due at 10:10 fired.
  const now = Date.parse('2026-01-01T10:10:05.000Z');
  it('sees a fired run whose end is not recorded yet, and nothing else', () => {
    expect(cronRunInFlight(job({ last_scheduled_at: '2026-01-01T10:00:00.000Z' }), now)).toBe('2026-01-01T10:10:00.000Z');
    expect(cronRunInFlight(job({ last_scheduled_at: '2026-01-01T10:10:00.000Z' }), now)).toBeNull();
    // Never run, created after the last due time: not running.
    expect(cronRunInFlight(job({ created_at: '2026-01-01T10:15:00.000Z' }), now)).toBeNull();
    // A schedule the parser refuses is not taken as running.
    expect(cronRunInFlight(job({ schedule: 'not a schedule', last_scheduled_at: '2026-01-01T10:00:00.000Z' }), now)).toBeNull();
  });

  it('still sees a run in flight after the job was turned off: inactive stops the next run, not this one', () => {
    expect(cronRunInFlight(job({ state: 'inactive', last_scheduled_at: '2026-01-01T10:00:00.000Z' }), now)).toBe(
      '2026-01-01T10:10:00.000Z',
    );
    expect(cronRunInFlight(job({ state: 'inactive', last_scheduled_at: '2026-01-01T10:10:00.000Z' }), now)).toBeNull();
  });

  it('takes a run due longer ago than any run can last as over, so a lost end record cannot refuse for ever', () => {
    const late = Date.parse('2026-01-01T10:10:00.000Z') + CRON_RUN_MAX_MS + 1;
    expect(cronRunInFlight(job({ last_scheduled_at: '2026-01-01T10:00:00.000Z' }), late)).toBeNull();
    expect(cronRunInFlight(job({ last_scheduled_at: '2026-01-01T10:00:00.000Z' }), late - 2)).toBe('2026-01-01T10:10:00.000Z');
  });
});

describe('bulkReport', () => {
  it('writes one CSV row per tenant, quoting commas, quotes and formula-like cells', () => {
    const tenant = {
      container: 'acme',
      name: 'logs-to-logstash',
      destination: { kind: 'logstash' as const, label: 'Logstash http://h/p, "x"' },
      from: null,
      fromSource: 'given',
      estimate: null,
      cronActive: false,
      state: 'failed' as const,
      attempts: 1,
      checkpoint: null,
      progress: null,
      report: null,
      error: '=HYPERLINK("x")',
      duplicatesPossible: false,
      startedAt: null,
      endedAt: null,
    };
    const view: BulkView = {
      bulkId: 'br-abcdef',
      profileId: 'p',
      mode: 'local',
      concurrency: 1,
      createdAt: '',
      state: 'done',
      note: null,
      counts: { waiting: 0, running: 0, paused: 0, ok: 0, failed: 1, cancelled: 0 },
      delivered: 0,
      logsPerSecond: 0,
      tenants: [tenant],
    };
    const csv = bulkReport(view, 'csv');
    const lines = csv.text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('acme,logs-to-logstash,"Logstash http://h/p, ""x""",,failed,1,0,,false,"\'=HYPERLINK(""x"")"');
    expect(JSON.parse(bulkReport(view, 'json').text)).toEqual(view);
  });
});

describe('bulk replay selection and summary', () => {
  it('matches destination hosts from URL settings only, whatever the way the host is written', () => {
    expect(normalizeHost('HTTPS://Logs.Example.com:8443/path?x=1')).toBe('logs.example.com:8443');
    expect(normalizeHost('logs.example.com')).toBe('logs.example.com');
    const hosts = destinationHosts({
      AUTH0_DOMAIN: 'https://tenant.auth0.com',
      SLACK_INCOMING_WEBHOOK: 'https://hooks.slack.com/services/T/B/X',
      LOGSTASH_URL: 'https://user:pw@Logs.Example.com:8443/in',
      LOGSTASH_INDEX: 'auth0',
    });
    expect(hosts).toEqual(['logs.example.com:8443']);
  });

  it('summarizes failures first and names only the tenants given', () => {
    const row = (container: string, state: 'ok' | 'failed', delivered: number) =>
      ({
        container,
        name: 'logs-to-logstash',
        state,
        report: { delivered },
        error: state === 'failed' ? 'Logstash 503' : null,
        duplicatesPossible: false,
      }) as unknown as BulkView['tenants'][number];
    const view = { bulkId: 'br-abcdef', mode: 'local' } as BulkView;
    const m = summaryMessage(view, [row('a', 'ok', 10), row('b', 'failed', 2)]);
    expect(m.text).toBe('Bulk replay br-abcdef (local) ended: 1 of 2 tenant job(s) replayed, 12 logs delivered, 1 not replayed');
    const perTenant = m.attachments[0]!.fields.at(-1)!.value;
    expect(perTenant.split('\n')).toEqual(['FAILED b/logs-to-logstash: 2 delivered - Logstash 503', 'ok a/logs-to-logstash: 10 delivered']);
  });
});
