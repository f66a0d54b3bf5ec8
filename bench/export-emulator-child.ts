// The emulator for bench/export-throughput.ts, in its own process so the source and the
// destinations do not share a CPU with the engine being measured. Driven over IPC.
import { startEmulator } from '../emulator/index';
import { auth0Of } from '../emulator/auth0/index';
import { destinationsOf } from '../emulator/destinations/index';

export const BENCH_CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret-5c1e' };

type Msg =
  | { id: number; op: 'tenant'; name: string; count: number; rateLimit?: number }
  | { id: number; op: 'pipeline'; name: string }
  | { id: number; op: 'received'; kind: string; key: string; tenant: string }
  | { id: number; op: 'stats'; name: string }
  | { id: number; op: 'close' };

const e = await startEmulator({ port: 0, seed: 'empty', quiet: true });
const auth0 = auth0Of(e)!;
const dest = destinationsOf(e)!;

/** Distinct log ids of one tenant (its events carry hostname {tenant}.auth0.com) among what a destination holds. */
function uniqueOf(events: unknown[], tenant: string): number {
  const ids = new Set<string>();
  for (const ev of events) {
    const e = ev as { log_id?: string; hostname?: string };
    if (e.log_id !== undefined && e.hostname === `${tenant}.auth0.com`) ids.add(e.log_id);
  }
  return ids.size;
}

process.on('message', (m: Msg) => {
  const reply = (data: unknown) => process.send!({ id: m.id, data });
  switch (m.op) {
    case 'tenant': {
      const t = auth0.createTenant(m.name, {
        clients: [BENCH_CLIENT],
        seedCount: m.count,
        seedSpanMs: 3600_000,
        rateLimit: m.rateLimit ? { limit: m.rateLimit, windowSec: 1 } : null,
      });
      const ids = t.allIds();
      return reply({ first: ids[0], last: ids[ids.length - 1], count: ids.length });
    }
    case 'pipeline':
      dest.logstash.create(m.name, {});
      return reply(true);
    case 'received': {
      let events: unknown[] = [];
      if (m.kind === 'logstash') events = dest.logstash.get(m.key)?.events ?? [];
      if (m.kind === 'cloudwatch') events = dest.cloudwatch.events(m.key, 'export').map((x) => JSON.parse(x.message) as unknown);
      if (m.kind === 'elasticsearch') events = [...dest.elasticsearch.docs(m.key).values()].map((d) => d.source);
      if (m.kind === 'azure-legacy') events = dest.azureLegacy.records([...dest.azureLegacy.workspaces.keys()][0]!, m.key);
      if (m.kind === 'azure') events = dest.azure.records([...dest.azure.rules.keys()][0]!, m.key);
      // Splunk's compatible envelope carries the log in event.message; Datadog's compatible log is the log's fields plus metadata.
      if (m.kind === 'splunk') events = dest.splunk.received(m.key).map((x) => (x.event as { message: unknown }).message);
      if (m.kind === 'datadog') events = dest.datadog.received(m.key);
      return reply({ received: events.length, unique: uniqueOf(events, m.tenant) });
    }
    case 'stats':
      return reply(auth0.tenant(m.name)?.stat());
    case 'close':
      void e.close().then(() => process.exit(0));
  }
});
process.send!({ id: 0, data: { url: e.url } });
