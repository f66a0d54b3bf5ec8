// The emulator for bench/bulk-replay.ts, in its own process so the source and the destination do not
// share a CPU with the host being measured. Driven over IPC. Logstash events are folded into a set of
// ids per pipeline every half second, so a million delivered logs do not stay in memory as objects.
import { startEmulator } from '../emulator/index';
import { auth0Of, demoAuth0Credentials } from '../emulator/auth0/index';
import { destinationsOf } from '../emulator/destinations/index';

type Msg =
  | { id: number; op: 'tenant'; name: string; count: number; rateLimit: number }
  | { id: number; op: 'unique'; name: string }
  | { id: number; op: 'close' };

const e = await startEmulator({ port: 0, seed: 'empty', quiet: true });
const auth0 = auth0Of(e)!;
const dest = destinationsOf(e)!;
const seen = new Map<string, { ids: Set<string>; received: number }>();

function fold(): void {
  for (const [name, p] of dest.logstash.pipelines) {
    let s = seen.get(name);
    if (!s) seen.set(name, (s = { ids: new Set(), received: 0 }));
    for (const ev of p.events) {
      const id = (ev as { log_id?: string }).log_id;
      if (id !== undefined) s.ids.add(id);
      s.received++;
    }
    p.events.length = 0;
  }
}
setInterval(fold, 500).unref();

process.on('message', (m: Msg) => {
  const reply = (data: unknown) => process.send!({ id: m.id, data });
  switch (m.op) {
    case 'tenant': {
      const t = auth0.createTenant(m.name, {
        clients: [{ ...demoAuth0Credentials(m.name), scopes: ['read:logs'] }],
        seedCount: m.count,
        seedSpanMs: 3600_000,
        rateLimit: { limit: m.rateLimit, windowSec: 1 },
      });
      const ids = t.allIds();
      return reply({ first: ids[0], last: ids[ids.length - 1], count: ids.length });
    }
    case 'unique': {
      fold();
      const s = seen.get(m.name);
      return reply({ unique: s?.ids.size ?? 0, received: s?.received ?? 0 });
    }
    case 'close':
      void e.close().then(() => process.exit(0));
  }
});
process.send!({ id: 0, data: { url: e.url, masterToken: e.masterToken } });
