// The Auth0 part and destinations installed in the real emulator: the demo export extensions run the
// shared engine through the `auth0-log-export` host module, checkpoint in their storage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index';
import { auth0Of, exportHostModule } from '../../emulator/auth0/index';
import { destinationsOf } from '../../emulator/destinations/index';
import { checkDelivery, idsOf } from '../helpers/export-check';

let e: Emulator;
beforeAll(async () => {
  e = await startEmulator({ port: 0, seed: 'demo', quiet: true });
  // The demo's cron jobs fire on the wall clock; these tests run the jobs themselves.
  for (const c of e.tenants()) {
    const jobs = (await (
      await fetch(`${e.url}/api/cron/${c}`, { headers: { authorization: `Bearer ${e.masterToken}` } })
    ).json()) as Array<{ name: string }>;
    for (const j of jobs) {
      const r = await fetch(`${e.url}/api/cron/${c}/${j.name}/state`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${e.masterToken}`, 'content-type': 'application/json' },
        body: '{"state":"inactive"}',
      });
      expect(r.status).toBe(200);
    }
  }
});
afterAll(() => e.close());

const run = async (container: string, name: string) => {
  const r = await fetch(`${e.url}/api/run/${container}/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.masterToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('demo tenants in the emulator', () => {
  it('every demo container has an Auth0 tenant with logs, and unknown tenants are refused', async () => {
    for (const c of e.tenants().filter((t) => t !== 'bulk-10k')) {
      const res = await fetch(`${e.url}/auth0/${c}/_stats`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { logs: number }).logs).toBeGreaterThanOrEqual(2000);
    }
    expect((await fetch(`${e.url}/auth0/not-a-container/oauth/token`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('logs-to-logstash runs the engine: every log delivered, checkpoint in storage, the next run continues without duplicates', async () => {
    const first = await run('globex', 'logs-to-logstash');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'ok', destination: 'logstash', startCheckpoint: null });
    const stored = (await e.storage.get('globex', 'logs-to-logstash')) as { checkpointId: string };
    expect(stored.checkpointId).toBe(first.body.nextCheckpoint);
    const tenant = auth0Of(e)!.tenant('globex')!;
    // The tenant keeps generating events: wait (bounded) for one past the first run's checkpoint.
    const newer = () => tenant.allIds().some((id) => id > (first.body.nextCheckpoint as string));
    for (let i = 0; i < 200 && !newer(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(newer()).toBe(true);
    const second = await run('globex', 'logs-to-logstash');
    expect(second.body).toMatchObject({ status: 'ok', startCheckpoint: first.body.nextCheckpoint });
    expect(second.body.processed as number).toBeGreaterThan(0);
    const received = idsOf(destinationsOf(e)!.logstash.get('globex')!.events);
    const upTo = tenant.allIds().filter((id) => id <= (second.body.nextCheckpoint as string));
    expect(checkDelivery(upTo, received)).toMatchObject({ missing: [], duplicates: 0 });
    expect(tenant.stat().rateLimited).toBe(0);
  });

  it('two runs of one job at once are serialized: the second continues from the first, no duplicates', async () => {
    const [a, b] = await Promise.all([run('initech', 'logs-to-cloudwatch'), run('initech', 'logs-to-cloudwatch')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [first, second] = [a.body, b.body].sort((x, y) => String(x.startedAt).localeCompare(String(y.startedAt)));
    expect(second!.startCheckpoint).toBe(first!.nextCheckpoint);
    const events = destinationsOf(e)!
      .cloudwatch.events('/auth0/initech', 'export')
      .map((x) => (JSON.parse(x.message) as { log_id: string }).log_id);
    expect(new Set(events).size).toBe(events.length);
    expect(events.length).toBe((first!.delivered as number) + (second!.delivered as number));
  });

  it('logs-to-cloudwatch and logs-to-loganalytics deliver to the emulated CloudWatch and Azure', async () => {
    const cw = await run('acme-prod', 'logs-to-cloudwatch');
    expect(cw.body).toMatchObject({ status: 'ok', destination: 'cloudwatch' });
    expect(destinationsOf(e)!.cloudwatch.events('/auth0/acme-prod', 'export').length).toBe(cw.body.delivered);
    const az = await run('acme-prod', 'logs-to-loganalytics');
    expect(az.body).toMatchObject({ status: 'ok', destination: 'azure-legacy' });
    expect(destinationsOf(e)!.azureLegacy.summary().accepted).toBeGreaterThanOrEqual(az.body.delivered as number);
  });

  it('a changed START_FROM replays once from that checkpoint, then the stored checkpoint takes over', async () => {
    const tenant = auth0Of(e)!.tenant('acme-staging')!;
    const ids = tenant.allIds();
    const data: { v: unknown } = { v: undefined };
    const lines: string[] = [];
    const { demoExportSecrets } = await import('../../emulator/auth0/index');
    const secrets = {
      ...demoExportSecrets(e.url, 'acme-staging', 'logs-to-logstash'),
      LOGSTASH_URL: `${e.url}/dest/logstash/replay-test`,
      START_FROM: ids[ids.length - 50]!,
    };
    const call = {
      container: 'acme-staging',
      name: 'replay',
      secrets,
      meta: {},
      body: {},
      storage: { get: async () => data.v, set: async (v: unknown) => void (data.v = v) },
      log: (m: string) => void lines.push(m),
    };
    const host = exportHostModule();
    const r1 = (await host(call)) as { startCheckpoint: string; processed: number };
    expect(r1.startCheckpoint).toBe(ids[ids.length - 50]);
    expect(r1.processed).toBeGreaterThanOrEqual(49);
    const r2 = (await host(call)) as { startCheckpoint: string };
    expect(r2.startCheckpoint).not.toBe(ids[ids.length - 50]);
    expect(data.v).toMatchObject({ startFromApplied: ids[ids.length - 50] });
    expect(lines.some((l) => /export to logstash ok/.test(l))).toBe(true);
    await expect(host({ ...call, secrets: { ...secrets, BATCH_SIZE: '500' } })).rejects.toThrow(/BATCH_SIZE must be at most 100/);
  });

  it('a failing destination makes the run fail with the checkpoint to replay from, and no log is skipped', async () => {
    const rule = e.faults.add({ path: '/dest/logstash/acme-prod', status: 503 });
    const failed = await run('acme-prod', 'logs-to-logstash');
    e.faults.remove(rule.id);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(String(failed.body.message)).toMatch(/^Logstash answered 503 .*\(gave up after 3 retries\) \(failed checkpoint: start\)$/);
    expect(await e.storage.get('acme-prod', 'logs-to-logstash')).toBeUndefined();
    const ok = await run('acme-prod', 'logs-to-logstash');
    expect(ok.body).toMatchObject({ status: 'ok', startCheckpoint: null });
    const slack = destinationsOf(e)!.slack.messages.filter((m) => m.hook.includes('acme-prod'));
    expect(slack.length).toBe(1);
  });

  it('GET /dest/_received shows what the destinations hold', async () => {
    const res = await fetch(`${e.url}/dest/_received`);
    const body = (await res.json()) as { logstash: Record<string, { events: number }> };
    expect(body.logstash.globex!.events).toBeGreaterThan(2000);
  });
});
