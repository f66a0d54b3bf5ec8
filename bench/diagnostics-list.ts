// The diagnostics log's listing with its files full (16 MB by default): the first listing parses
// every line (the baseline: what every listing cost before the cache), the next ones only what was
// appended since. Same log, same run; the best of a few rounds of each.
//   npx tsx bench/diagnostics-list.ts [--mb 16] [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InvocationEntry } from '../common/contract';
import { DiagnosticsLog } from '../core/host/diagnostics-log';
import { Redactor } from '../core/util/redact';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '16' }, rounds: { type: 'string', default: '5' } } });
const TARGET = Number(values.mb) * 1024 * 1024;
const ROUNDS = Math.max(1, Number(values.rounds));

const entry = (i: number): InvocationEntry => ({
  kind: 'invocation',
  id: `bench-${i}`,
  at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  profileId: 'p',
  profile: 'Bench',
  cluster: 'http://127.0.0.1:1',
  tenant: `tenant-${i % 40}`,
  extension: `ext-${i % 200}`,
  method: 'POST',
  path: '/run',
  query: [{ name: 'q', value: String(i) }],
  requestHeaders: [{ name: 'content-type', value: 'application/json' }],
  withProfileToken: false,
  status: i % 17 === 0 ? 500 : 200,
  elapsedMs: i % 900,
  diagnostics: { reading: 'The extension answered.', problems: [] },
  response: { size: 1200, excerpt: 'x'.repeat(1200) },
  bodiesKept: true,
  curl: `curl -X POST http://127.0.0.1:1/api/run/tenant-${i % 40}/ext-${i % 200}`,
});

const dir = mkdtempSync(join(tmpdir(), 'bench-diag-'));
try {
  // Cap and files as the product has them (8 MB, 3 older files): 16 MB fill two files.
  const log = new DiagnosticsLog({ dir, redactor: new Redactor() });
  const lineBytes = Buffer.byteLength(log.serialize(entry(0)));
  const count = Math.ceil(TARGET / lineBytes);
  for (let i = 0; i < count; i++) await log.append(entry(i));
  const used = (await log.info()).usedBytes;

  const time = async (fresh: boolean) => {
    // A fresh log object has no cache: its listing parses everything, as every listing did before.
    const l = fresh ? new DiagnosticsLog({ dir, redactor: new Redactor() }) : log;
    const t0 = performance.now();
    const n = (await l.read()).length;
    return { ms: performance.now() - t0, n };
  };
  await log.read(); // fills the cache of `log`
  let full = Infinity;
  let cached = Infinity;
  let appended = Infinity;
  let n = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const a = await time(true);
    full = Math.min(full, a.ms);
    n = a.n;
    cached = Math.min(cached, (await time(false)).ms);
    await log.append(entry(count + r));
    appended = Math.min(appended, (await time(false)).ms);
  }
  console.log(`diagnostics listing, ${(used / 1048576).toFixed(1)} MB, ${n} entries (best of ${ROUNDS})`);
  console.log(`  parse everything (before): ${full.toFixed(1)} ms`);
  console.log(`  cached, unchanged:         ${cached.toFixed(1)} ms; ratio to before ${(cached / full).toFixed(4)}`);
  console.log(`  cached, one entry added:   ${appended.toFixed(1)} ms; ratio to before ${(appended / full).toFixed(4)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
