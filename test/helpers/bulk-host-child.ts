// A console host in its own process over a given data dir, for the bulk replay crash test: it starts a
// bulk replay (argument `start <json input>`) or, with no argument, lets the journal continue one, and
// prints each progress view as a JSON line until the bulk has nothing left to run. The test SIGKILLs it.
import { createHost, createSession } from '../../core/host';
import { createNodeDeps, registerEmbeddedCluster } from '../../core/host/node-deps';
import type { BulkView } from '../../common/contract';

const dataDir = process.env.BULK_DATA_DIR!;
const deps = createNodeDeps({ dataDir, host: 'test', requestTimeoutMs: 20_000 });
await registerEmbeddedCluster(deps, { url: process.env.BULK_EMU_URL!, masterToken: process.env.BULK_EMU_TOKEN!, container: 'acme-prod' });
const host = createHost(deps);
const print = (v: BulkView) => process.stdout.write(`${JSON.stringify({ pid: process.pid, view: v })}\n`);
let finished = false;
const session = createSession(deps, 'child', (topic, p) => {
  if (topic !== 'bulk.progress') return;
  const v = p as BulkView;
  print(v);
  if (!finished && v.state !== 'running') {
    finished = true;
    process.stdout.write('BULK-END\n');
  }
});
const r =
  process.argv[2] === 'start'
    ? await host.call('bulk.start', JSON.parse(process.argv[3]!), session)
    : await host.call('bulk.list', {}, session);
if (!r.ok) {
  process.stderr.write(`${r.error.code}: ${r.error.message}\n`);
  process.exit(2);
}
process.stdout.write(`READY ${JSON.stringify(r.data)}\n`);
