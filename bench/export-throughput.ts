// Export throughput: 100,000 logs from the emulator to each destination through the shared engine,
// unthrottled (logs/s) and with the source limited to R requests/s (fraction of the R x 100 logs/s
// ceiling), each beside a baseline measured in the same run: the old extensions' way (a bare
// sequential loop: fetch a page, send it, next; Logstash also one POST per event; a 429 retried at once).
//   npx tsx bench/export-throughput.ts [--logs 100000] [--rate 20] [--seconds 8] [--rounds 2] [--dest logstash,cloudwatch,...] [--quick]
// --quick: 20,000 logs, one round, 6 s throttled windows (a smoke run; the ratios hold, the spread is wider).
import { parseArgs } from 'node:util';
import { DEMO_DESTINATIONS } from '../emulator/destinations/index';
import { MemoryCheckpointStore } from '../core/export/checkpoint';
import { parseExportConfig } from '../core/export/config';
import { createDestination } from '../core/export/destinations/index';
import { runExport } from '../core/export/engine';
import { createHttp } from '../core/export/http';
import type { Auth0Log } from '../core/export/source';
import { forkIpcChild } from './ipc-child';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '8' },
    dest: { type: 'string', default: 'logstash,cloudwatch,elasticsearch,azure-legacy,azure,splunk,datadog' },
    quick: { type: 'boolean', default: false },
    'baseline-logs': { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '2' },
  },
});
const Q = values.quick;
const LOGS = Q ? Math.min(20_000, Number(values.logs)) : Number(values.logs);
const R = Number(values.rate);
const SECONDS = Q ? Math.min(6, Number(values.seconds)) : Number(values.seconds);
const BASE_LOGS = Q ? Math.min(5_000, Number(values['baseline-logs'])) : Number(values['baseline-logs']);
const ROUNDS = Q ? 1 : Math.max(1, Number(values.rounds));
const KINDS = values.dest.split(',') as Array<
  'logstash' | 'cloudwatch' | 'elasticsearch' | 'azure-legacy' | 'azure' | 'splunk' | 'datadog'
>;

const { child, ready, call } = forkIpcChild<{ url: string }>(new URL('./export-emulator-child.ts', import.meta.url));

const { url } = await ready;
const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret-5c1e' };

function settings(kind: string, tenant: string): Record<string, unknown> {
  const base = {
    AUTH0_DOMAIN: `${url}/auth0/${tenant}`,
    AUTH0_CLIENT_ID: CLIENT.clientId,
    AUTH0_CLIENT_SECRET: CLIENT.clientSecret,
    MAX_RETRIES: 5,
    RETRY_BASE_MS: 100,
  };
  const d = DEMO_DESTINATIONS;
  switch (kind) {
    case 'logstash':
      return { ...base, LOGSTASH_URL: `${url}/dest/logstash/${tenant}` };
    case 'cloudwatch':
      return {
        ...base,
        CLOUDWATCH_LOG_GROUP_NAME: `/bench/${tenant}`,
        CLOUDWATCH_LOG_STREAM_NAME: 'export',
        AWS_ACCESS_KEY_ID: d.aws.accessKeyId,
        AWS_SECRET_KEY: d.aws.secretAccessKey,
        AWS_REGION: d.aws.region,
        CLOUDWATCH_ENDPOINT: `${url}/dest/cloudwatch`,
      };
    case 'elasticsearch':
      return { ...base, ELASTICSEARCH_URL: `${url}/dest/elasticsearch`, ELASTICSEARCH_INDEX: tenant };
    case 'splunk':
      return { ...base, SPLUNK_URL: `${url}/dest/splunk`, SPLUNK_TOKEN: d.splunk.token, SPLUNK_INDEX: d.splunk.index };
    case 'datadog':
      return { ...base, DATADOG_API_KEY: d.datadog.apiKey, DATADOG_URL: `${url}/dest/datadog` };
    case 'azure-legacy':
      return {
        ...base,
        LOGANALYTICS_WORKSPACEID: d.azureLegacy.workspaceId,
        LOGANALYTICS_WORKSPACEKEY: d.azureLegacy.workspaceKey,
        LOGANALYTICS_NAMESPACE: tenant.replace(/-/g, '_'),
        LOGANALYTICS_ENDPOINT: `${url}/dest/azure-legacy/${d.azureLegacy.workspaceId}`,
      };
    default:
      return {
        ...base,
        AZURE_TENANT_ID: d.azure.tenantId,
        AZURE_CLIENT_ID: d.azure.clientId,
        AZURE_CLIENT_SECRET: d.azure.clientSecret,
        AZURE_AUTHORITY_HOST: `${url}/dest/azure/entra`,
        LOGS_INGESTION_ENDPOINT: `${url}/dest/azure/dce`,
        LOGS_INGESTION_RULE_ID: d.azure.ruleId,
        LOGS_INGESTION_STREAM_NAME: d.azure.streamName,
      };
  }
}
const receivedKey = (kind: string, tenant: string) =>
  kind === 'cloudwatch'
    ? `/bench/${tenant}`
    : kind === 'azure-legacy'
      ? tenant.replace(/-/g, '_')
      : kind === 'azure'
        ? DEMO_DESTINATIONS.azure.streamName
        : kind === 'splunk'
          ? DEMO_DESTINATIONS.splunk.token
          : kind === 'datadog'
            ? DEMO_DESTINATIONS.datadog.apiKey
            : tenant;

async function tenant(name: string, count: number, rateLimit?: number) {
  const t = await call<{ first: string; last: string; count: number }>({ op: 'tenant', name, count, rateLimit });
  await call({ op: 'pipeline', name });
  return t;
}

/** A baseline's destination and source token, over the same HTTP client as the engine (so a ratio measures the pipeline and batching alone). */
async function baselineClient(kind: string, name: string) {
  const cfg = parseExportConfig(settings(kind, name));
  const { http, close } = createHttp();
  const dest = await createDestination(cfg, { fetchImpl: http, requestTimeoutMs: 30_000 });
  await dest.prepare(new AbortController().signal);
  const res = await http(`${url}/auth0/${name}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      audience: `${url}/auth0/${name}/api/v2/`,
    }),
  });
  const tok = JSON.parse(await res.text()) as { access_token: string };
  return { http, close, dest, tok };
}

/** The old way: fetch a page, send it, then the next; a 429 waits a fixed second; Logstash optionally one POST per event. */
async function bareLoop(kind: string, name: string, limit: number, perEvent = false): Promise<number> {
  const { http, close, dest, tok } = await baselineClient(kind, name);
  let from = '';
  let n = 0;
  const sig = new AbortController().signal;
  const t0 = performance.now();
  while (n < limit) {
    const res = await http(`${url}/auth0/${name}/api/v2/logs?${from ? `from=${from}&take=100` : 'page=0&per_page=100&sort=date:1'}`, {
      headers: { authorization: `Bearer ${tok.access_token}` },
    });
    const page = JSON.parse(await res.text()) as Auth0Log[];
    if (!page.length) break;
    const enc = page.map((l) => dest.encode(l));
    if (perEvent) for (const e of enc) await dest.send([e], sig);
    else await dest.send(enc, sig);
    n += page.length;
    from = page[page.length - 1]!.log_id;
  }
  await dest.close();
  await close();
  return n / ((performance.now() - t0) / 1000);
}

/** Sustained delivery rate between two window boundaries well inside the run, and the 429s it caused. */
async function throttled(kind: string, name: string, useEngine: boolean): Promise<{ fraction: number; limited: number; requests: number }> {
  await tenant(name, R * 100 * (SECONDS + 2), R);
  // Start at the beginning of a rate-limit window, so windows are whole.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
  const samples: Array<[number, number]> = [];
  const t0 = Date.now();
  if (useEngine) {
    await runExport({
      config: { ...settings(kind, name), MAX_LOGS: R * 100 * SECONDS },
      checkpointStore: new MemoryCheckpointStore(),
      progressIntervalMs: 0,
      onProgress: (p) => samples.push([Date.now(), p.delivered]),
    });
  } else {
    // The old extensions' loop: a 429 is retried at once (x-ratelimit-reset ignored).
    const stop = t0 + SECONDS * 1000;
    const { http, close, dest, tok } = await baselineClient(kind, name);
    let from = '';
    let n = 0;
    while (Date.now() < stop) {
      const res = await http(`${url}/auth0/${name}/api/v2/logs?${from ? `from=${from}&take=100` : 'page=0&per_page=100&sort=date:1'}`, {
        headers: { authorization: `Bearer ${tok.access_token}` },
      });
      const text = await res.text();
      if (res.status === 429) continue;
      const page = JSON.parse(text) as Auth0Log[];
      if (!page.length) break;
      await dest.send(
        page.map((l) => dest.encode(l)),
        new AbortController().signal,
      );
      n += page.length;
      from = page[page.length - 1]!.log_id;
      samples.push([Date.now(), n]);
    }
    await dest.close();
    await close();
  }
  // Mid-window instants: by then a window's requests are answered and delivered, so the count
  // between two of them is whole windows' worth, not a batch in flight at a boundary.
  const first = Math.ceil(t0 / 1000) * 1000 + 1500;
  const last = first + (SECONDS - 3) * 1000;
  const at = (t: number) => {
    let v = 0;
    for (const [ts, d] of samples) if (ts <= t) v = d;
    return v;
  };
  const st = await call<{ requests: number; rateLimited: number }>({ op: 'stats', name });
  return { fraction: (at(last) - at(first)) / ((last - first) / 1000) / (R * 100), limited: st.rateLimited, requests: st.requests };
}

const rows: string[] = [];
const print = (s: string) => {
  console.log(s);
  rows.push(s);
};
print(`export throughput, ${LOGS} logs per destination, emulator in a child process (${url})`);
for (const kind of KINDS) {
  // Warm the JIT and the connections on a small run first, as both measured paths get the same process.
  await tenant(`${kind}-warm`, 5000);
  await runExport({ config: settings(kind, `${kind}-warm`), checkpointStore: new MemoryCheckpointStore() });
  // Engine and baseline alternate, ROUNDS times each, and the best of each is kept: this machine is
  // shared, and a burst of load elsewhere would otherwise decide the ratio.
  let engineRate = 0;
  let baseRate = 0;
  let best: { report: Awaited<ReturnType<typeof runExport>>; secs: number; unique: number } | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const name = `${kind}-fast${round}`;
    await tenant(name, LOGS);
    const t0 = performance.now();
    const report = await runExport({ config: settings(kind, name), checkpointStore: new MemoryCheckpointStore() });
    const secs = (performance.now() - t0) / 1000;
    const rx = await call<{ received: number; unique: number }>({ op: 'received', kind, key: receivedKey(kind, name), tenant: name });
    if (report.delivered / secs > engineRate) {
      engineRate = report.delivered / secs;
      best = { report, secs, unique: rx.unique };
    }
    await tenant(`${kind}-base${round}`, BASE_LOGS);
    baseRate = Math.max(baseRate, await bareLoop(kind, `${kind}-base${round}`, BASE_LOGS));
  }
  const { report, secs, unique } = best!;
  let perEvent = '';
  if (kind === 'logstash') {
    await tenant(`${kind}-evt`, 3000);
    const r = await bareLoop(kind, `${kind}-evt`, 3000, true);
    perEvent = `; one POST per event ${Math.round(r)} logs/s (x${(engineRate / r).toFixed(1)})`;
  }
  print(
    `${kind.padEnd(13)} unthrottled: ${Math.round(engineRate)} logs/s (${report.status}, ${report.batches} batches, ${unique}/${LOGS} at the destination, ${secs.toFixed(2)} s, best of ${ROUNDS}); ` +
      `bare fetch-then-send loop ${Math.round(baseRate)} logs/s (x${(engineRate / baseRate).toFixed(2)})${perEvent}`,
  );
  const eng = await throttled(kind, `${kind}-thr`, true);
  const old = await throttled(kind, `${kind}-thrb`, false);
  print(
    `${kind.padEnd(13)} source limited to ${R} req/s: ${(eng.fraction * 100).toFixed(1)}% of the ${R * 100} logs/s ceiling with ${eng.limited} 429s in ${eng.requests} requests; ` +
      `old loop retrying 429 at once: ${(old.fraction * 100).toFixed(1)}% with ${old.limited} 429s in ${old.requests} requests (x${(eng.fraction / old.fraction).toFixed(2)})`,
  );
}
// The child exits on close without answering: wait for its exit, not for a reply (an await that never settles ends Node with status 13).
const exited = new Promise((r) => child.once('exit', r));
child.send({ id: -1, op: 'close' });
await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
child.kill();
