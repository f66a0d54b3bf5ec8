/**
 * `npm run bench [-- NAME ...] [--quick]`: runs the benchmarks one after another (each prints its
 * figures beside a baseline measured in the same run). Not part of `npm test`: they take minutes
 * and want a quiet machine.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES: Record<string, { file: string; about: string; quickArgs?: string[] }> = {
  'emulator-run': { file: 'emulator-run.ts', about: 'run throughput of a trivial extension vs a bare node:http server' },
  'emulator-fanout': { file: 'emulator-fanout.ts', about: 'log-stream fan-out vs a bare SSE server' },
  'list-10k': {
    file: 'list-10k.ts',
    about: 'listing 10,000 extensions: handler table vs the real `wt ls --offset` loop; list scroll fps',
    quickArgs: ['--no-wt'],
  },
  'logs-core': {
    file: 'logs-core.ts',
    about: 'log core alone (socket to lines, no pane) vs the real `wt logs` to a file',
    quickArgs: ['--quick'],
  },
  'logs-tail': { file: 'logs-tail.ts', about: 'log tail into the xterm pane vs the real `wt logs`', quickArgs: ['--quick'] },
  'export-throughput': { file: 'export-throughput.ts', about: 'export engine to every destination vs the old one-POST-per-event loop' },
  'diagnostics-list': {
    file: 'diagnostics-list.ts',
    about: 'diagnostics log listing of 16 MB: cached and after one append vs parsing every line (before the cache)',
    quickArgs: ['--mb', '4', '--rounds', '2'],
  },
  fleet: {
    file: 'fleet.ts',
    about: 'fleet scan and code search of 1,000 tenants vs a `wt ls` + `wt cron ls` loop; renderer heap, host RSS',
    quickArgs: ['--sample', '10', '--no-browser'],
  },
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(
    `unknown bench: ${unknown.join(', ')}\navailable:\n${Object.entries(BENCHES)
      .map(([n, b]) => `  ${n}  ${b.about}`)
      .join('\n')}`,
  );
  process.exit(2);
}

let failed = 0;
for (const name of names.length ? names : Object.keys(BENCHES)) {
  const bench = BENCHES[name]!;
  console.log(`\n=== ${name}: ${bench.about}`);
  const r = spawnSync(join('node_modules', '.bin', 'tsx'), [join('bench', bench.file), ...(quick ? (bench.quickArgs ?? []) : [])], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
