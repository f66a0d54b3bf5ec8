// The exports feature's pure parts: reading run answers, destinations in words, schedules, credentials.
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../common/contract';
import { describeDestination } from '../../core/host/exports/destination';
import { parseRunBody, reportItem, toRunItem } from '../../core/host/exports/history';
import { credentialValues } from '../../core/host/exports/jobs';
import { describeSchedule } from '../../core/host/exports/schedule';
import { HostError } from '../../core/util/errors';
import { fmtDuration, fmtEta, shortCp } from '../../renderer/src/features/exports/format';

const CP = '9'.repeat(40) + '0'.repeat(15) + '7';
const report = {
  status: 'failed',
  destination: 'logstash',
  dryRun: false,
  startedAt: '2026-11-23T10:00:00.000Z',
  endedAt: '2026-11-23T10:00:02.000Z',
  startCheckpoint: null,
  processed: 300,
  filtered: 0,
  delivered: 200,
  rejected: 0,
  unknownTypes: {},
  batches: 2,
  retries: 3,
  nextCheckpoint: CP,
  failedCheckpoint: CP,
  error: 'Logstash answered 503',
  duplicatesPossible: true,
  durationMs: 2000,
  logsPerSecond: 150,
};

describe('reading run answers', () => {
  it('takes the engine report from a body, or from {report}', () => {
    const a = parseRunBody(JSON.stringify(report), true);
    expect(a.report?.status).toBe('failed');
    expect(a.failedCheckpoint).toBe(CP);
    expect(a.processed).toBe(300);
    const b = parseRunBody(JSON.stringify({ code: 500, report }), false);
    expect(b.report?.delivered).toBe(200);
    const ok = parseRunBody(JSON.stringify({ ...report, status: 'ok', failedCheckpoint: undefined, error: undefined }), true);
    expect(ok.failedCheckpoint).toBeNull();
    expect(ok.checkpoint).toBe(CP);
  });

  it("reads the runtime's error body and a checkpoint it names", () => {
    const body = JSON.stringify({
      code: 400,
      error: 'Script returned an error.',
      details: 'Error: x',
      message: `CloudWatch refused the batch; replay from ${CP}`,
    });
    const r = parseRunBody(body, false);
    expect(r.report).toBeUndefined();
    expect(r.error).toContain('CloudWatch refused');
    expect(r.failedCheckpoint).toBe(CP);
    const other = '1'.repeat(56);
    const named = parseRunBody(
      JSON.stringify({ code: 400, error: 'Script returned an error.', message: `batch after ${other} refused (failed checkpoint: ${CP})` }),
      false,
    );
    expect(named.failedCheckpoint).toBe(CP);
    const plain = parseRunBody(JSON.stringify({ code: 500, error: 'Server error', details: 'the emulator is shutting down' }), false);
    expect(plain.error).toBe('the emulator is shutting down');
    expect(plain.failedCheckpoint).toBeNull();
  });

  it('copes with bodies that are not JSON, empty, huge, or a transport error', () => {
    expect(parseRunBody('<html>bad gateway</html>', false).error).toBe('<html>bad gateway</html>');
    expect(parseRunBody('', false).error).toBe('the run failed with no message');
    expect(parseRunBody(null, true)).toMatchObject({ checkpoint: null, failedCheckpoint: null });
    expect(parseRunBody('', false, 'connect ECONNREFUSED').error).toBe('connect ECONNREFUSED');
    expect(parseRunBody(JSON.stringify({ message: 'x'.repeat(10_000) }), false).error!.length).toBeLessThanOrEqual(2001);
    // A body that looks like a report but is not one is not trusted as one.
    expect(parseRunBody(JSON.stringify({ status: 'ok', processed: 'many' }), true).report).toBeUndefined();
  });

  it('turns a cron history item into a run, a 2xx failed report counting as a failure', () => {
    const item = toRunItem({
      scheduled_at: '2026-11-23T10:00:00Z',
      started_at: '2026-11-23T10:00:00Z',
      completed_at: '2026-11-23T10:00:03Z',
      type: 'success',
      statusCode: 200,
      body: JSON.stringify(report),
      duration_ms: null,
    });
    expect(item).toMatchObject({ source: 'cron', type: 'error', durationMs: 3000, failedCheckpoint: CP, processed: 300 });
    expect(reportItem({ ...report, status: 'cancelled' })).toMatchObject({ source: 'local', type: 'error', failedCheckpoint: CP });
  });
});

describe('destinations in words', () => {
  it('names the target without any credential', () => {
    const d = describeDestination({
      LOGSTASH_URL: 'https://user:pw@logs.example.com:8080/in?token=abc#x',
      LOGSTASH_INDEX: 'auth0',
      LOGSTASH_PASSWORD: 'hunter22',
    });
    expect(d).toEqual({ kind: 'logstash', label: 'Logstash https://logs.example.com:8080/in (index auth0)' });
    const cw = describeDestination({
      CLOUDWATCH_LOG_GROUP_NAME: '/auth0/t',
      CLOUDWATCH_LOG_STREAM_NAME: 'export',
      AWS_REGION: 'eu-west-1',
      AWS_SECRET_KEY: 's3cr3t-key-value',
    });
    expect(cw.label).toBe('CloudWatch /auth0/t / export (eu-west-1)');
    expect(describeDestination({}).label).toBe('no destination configured');
    expect(describeDestination({ LOGSTASH_URL: 'http://a', CLOUDWATCH_LOG_GROUP_NAME: 'g' }).label).toContain('several destinations');
    expect(describeDestination({ LOGSTASH_URL: 'http://a', CLOUDWATCH_LOG_GROUP_NAME: 'g', DESTINATION: 'logstash' }).kind).toBe(
      'logstash',
    );
    expect(describeDestination({ LOGSTASH_URL: 'not a url' }).label).toBe('Logstash (invalid URL)');
  });

  it('lists the credentials among the settings, not the plain settings', () => {
    const values = credentialValues({
      LOGSTASH_USER: 'logstash',
      LOGSTASH_PASSWORD: 'pw-123456',
      AUTH0_CLIENT_SECRET: 'cs-123456',
      AWS_ACCESS_KEY_ID: 'AKIA1234',
      CUSTOM_API_KEY: 'k-123456',
      AWS_REGION: 'us-east-1',
    });
    expect(values.sort()).toEqual(['AKIA1234', 'cs-123456', 'k-123456', 'pw-123456']);
  });
});

describe('schedules', () => {
  it('gives words and the next runs in the time zone, across a DST change', () => {
    const v = describeSchedule('0 2 * * *', 'Europe/Paris', 5, new Date('2026-03-27T12:00:00Z'));
    // 29 March 2026: Paris moves from UTC+1 to UTC+2.
    // 29 March: 02:00 does not exist that night; the run happens at 03:00 CEST (01:00 UTC), then 02:00 CEST = 00:00 UTC.
    expect(v.next).toEqual([
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ]);
    expect(v.description).toBe('At 02:00 (Europe/Paris time)');
    expect(describeSchedule('  */5   *  * * * ', '', 1).schedule).toBe('*/5 * * * *');
  });

  it('refuses bad expressions and zones with the reason', () => {
    const fails = (s: string, tz: string, msg: RegExp) => {
      try {
        describeSchedule(s, tz);
      } catch (e) {
        expect(e).toBeInstanceOf(HostError);
        expect((e as HostError).code).toBe('invalid_input');
        expect((e as Error).message).toMatch(msg);
        return;
      }
      throw new Error(`accepted ${s} ${tz}`);
    };
    fails('* * * * * *', 'UTC', /5 fields .* has 6/);
    fails('*/5 * * * *', 'Not/AZone', /not a known time zone/);
    fails('0 25 * * *', 'UTC', /not a valid cron expression/);
    fails('a b c d e', 'UTC', /not a valid cron expression/);
  });
});

describe('checkpoints and formatting', () => {
  it('accepts exactly 56 digits', () => {
    expect(Checkpoint.safeParse(CP).success).toBe(true);
    expect(Checkpoint.safeParse(` ${CP} `).success).toBe(true);
    for (const bad of [CP.slice(1), `${CP}1`, `${CP.slice(1)}a`, '', '12 34']) {
      const r = Checkpoint.safeParse(bad);
      expect(r.success).toBe(false);
      if (!r.success) expect(r.error.issues[0]!.message).toContain('56 digits');
    }
  });

  it('formats durations, ETAs and checkpoints for tables', () => {
    expect(fmtDuration(950)).toBe('950 ms');
    expect(fmtDuration(1500)).toBe('1.5 s');
    expect(fmtDuration(125_000)).toBe('2 min 5 s');
    expect(fmtEta(null)).toContain('unknown');
    expect(fmtEta(42.2)).toBe('43 s');
    expect(shortCp(CP)).toBe(`…${CP.slice(-12)}`);
    expect(shortCp(null)).toBe('—');
  });
});
