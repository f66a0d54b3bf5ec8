// The exact bodies each destination's emulated endpoint received, against golden files written from
// the old extensions' documented field lists (docs/log-export.md, "What the old extensions sent"),
// not from this engine's output: `compatible` (the default) and `compact` for Logstash, Splunk, Datadog.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import type { GeneratedLog } from '../../emulator/auth0/generator';
import { type ExportServer, TEST_DATADOG, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

const dir = new URL('../fixtures/export-formats/', import.meta.url);
const golden = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const input = JSON.parse(golden('auth0-logs.json')) as GeneratedLog[];

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

function tenant(name: string) {
  const t = addTenant(s, name, {});
  for (const l of input) t.appendLog(l);
  return t;
}

describe("event shapes: golden files from the old extensions' documented fields", () => {
  it('Logstash compatible (the default): post_date, type_description, every field, index "auth0", message = the whole log', async () => {
    tenant('fmt-ls');
    const p = s.dest.logstash.create('fmt-ls', {});
    const t0 = Date.now();
    const report = await runExport({
      config: exportSettings(s, 'fmt-ls', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/fmt-ls`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
      }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(report).toMatchObject({ status: 'ok', delivered: 2 });
    const got = p.events as Array<Record<string, unknown>>;
    // post_date is the run's start (ms): checked, then set to the golden's placeholder.
    for (const e of got) {
      expect(e.post_date).toBeGreaterThanOrEqual(t0);
      expect(e.post_date).toBeLessThanOrEqual(Date.now());
      e.post_date = 0;
    }
    expect(JSON.stringify(got, null, 2)).toBe(golden('logstash-compatible.json'));
  });

  it('Logstash compact: the log with _id as log_id, no index unless configured', async () => {
    tenant('fmt-lsc');
    const p = s.dest.logstash.create('fmt-lsc', {});
    const report = await runExport({
      config: exportSettings(s, 'fmt-lsc', 'logstash', {
        LOGSTASH_URL: `${s.url}/dest/logstash/fmt-lsc`,
        LOGSTASH_USER: '',
        LOGSTASH_PASSWORD: '',
        LOGSTASH_TOKEN: '',
        LOGSTASH_FORMAT: 'compact',
      }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(report.status).toBe('ok');
    expect(JSON.stringify(p.events, null, 2)).toBe(golden('logstash-compact.json'));
  });

  it('Splunk compatible (the default): splunk-logging\'s {time: "s.mmm", event: {message: log, severity: "info"}}, concatenated, Authorization: Splunk <token>', async () => {
    tenant('fmt-sp');
    const before = s.dest.splunk.bodies.length;
    const report = await runExport({
      config: exportSettings(s, 'fmt-sp', 'splunk', { SPLUNK_INDEX: '' }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(report).toMatchObject({ status: 'ok', delivered: 2, destination: 'splunk' });
    expect(s.dest.splunk.bodies.slice(before)).toEqual([golden('splunk-compatible.txt')]);
  });

  it('Splunk compact: the log as event, time as a number, index and sourcetype as configured', async () => {
    tenant('fmt-spc');
    const before = s.dest.splunk.bodies.length;
    const report = await runExport({
      config: exportSettings(s, 'fmt-spc', 'splunk', { SPLUNK_FORMAT: 'compact', SPLUNK_SOURCETYPE: '_json' }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    expect(report.status).toBe('ok');
    expect(s.dest.splunk.bodies.slice(before)).toEqual([golden('splunk-compact.txt')]);
  });

  it.each([
    ['compatible', { DATADOG_CUSTOM_TAGS: 'env:test,team:iam' }, 'datadog-compatible.json'],
    ['compact', { DATADOG_FORMAT: 'compact' }, 'datadog-compact.json'],
  ] as const)(
    'Datadog %s: the exact JSON array the intake received, logs older than 18 h counted as rejected',
    async (format, extra, file) => {
      tenant(`fmt-dd-${format}`);
      const before = s.dest.datadog.bodies.length;
      const report = await runExport({
        config: exportSettings(s, `fmt-dd-${format}`, 'datadog', extra),
        checkpointStore: new MemoryCheckpointStore(),
      });
      expect(report.status).toBe('ok');
      const old = input.filter((l) => Date.parse(l.date) < Date.now() - 18 * 3600_000).length;
      expect(report).toMatchObject({ rejected: old, delivered: 2 - old });
      const bodies = s.dest.datadog.bodies.slice(before);
      expect(bodies).toHaveLength(1);
      expect(JSON.stringify(JSON.parse(bodies[0]!), null, 2)).toBe(golden(file));
      expect(s.dest.datadog.received(TEST_DATADOG.apiKey).length).toBeGreaterThanOrEqual(2);
    },
  );

  it('a bad format setting is refused with the choices in words', async () => {
    const r = runExport({
      config: exportSettings(s, 'x', 'splunk', { SPLUNK_FORMAT: 'legacy' }),
      checkpointStore: new MemoryCheckpointStore(),
    });
    await expect(r).rejects.toThrow(/SPLUNK_FORMAT must be compatible \(what the old extension sent, the default\) or compact/);
  });
});
