import { startEmulator } from '../emulator/index';
import { auth0Of } from '../emulator/auth0/index';
import { destinationsOf } from '../emulator/destinations/index';
import { runExport, MemoryCheckpointStore } from '../shared/export/index';
const e = await startEmulator({ port: 0, seed: 'empty', quiet: true });
for (let i = 0; i < 3; i++) {
  auth0Of(e)!.createTenant(`t${i}`, { clients: [{ clientId: 'c', clientSecret: 's' }], seedCount: 30000 });
  destinationsOf(e)!.logstash.create(`t${i}`, {});
  const t0 = performance.now();
  const r = await runExport({ config: { AUTH0_DOMAIN: `${e.url}/auth0/t${i}`, AUTH0_CLIENT_ID: 'c', AUTH0_CLIENT_SECRET: 's', LOGSTASH_URL: `${e.url}/dest/logstash/t${i}` }, checkpointStore: new MemoryCheckpointStore() });
  console.log('engine-in-emulator', Math.round(r.delivered / ((performance.now() - t0) / 1000)), r.batches);
}
await e.close();
