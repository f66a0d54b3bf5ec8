// `npm run emulator -- --port N [--seed demo|empty|fleet|FILE] [--master-token T] [--clock-speed X] [--stats-header H] [--verbose]`
import { parseArgs } from 'node:util';
import { startEmulator } from './index';
import { isStatsHeaderMode, STATS_HEADER_MODES } from './stats-header';

const USAGE =
  'usage: npm run emulator -- [--port N] [--seed demo|empty|fleet|FILE] [--master-token T] [--clock-speed X] [--log-rate R] [--stats-header x-auth0-stats|s-auth0-stats|both] [--verbose]';

const HELP = `Options:
  --port N           port on 127.0.0.1 (0 = any free port; default 8721)
  --seed S           demo (demo tenants, active crons), empty, fleet (1,000 tenants
                     for the fleet view), or a seed JSON file
  --master-token T   the cluster's master token: at least 8 characters, printable ASCII
                     without spaces (as the wt CLI accepts it); default: a random one,
                     printed at start
  --clock-speed X    cron clock speed (1 = real time)
  --log-rate R       Auth0 log events generated per second (the log-export source)
  --verbose          log every request

Point the real CLI at it: wt init --url http://127.0.0.1:PORT --token T --container acme-prod`;

function fail(msg: string): never {
  console.error(`emulator: ${msg}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8721' },
        seed: { type: 'string', default: 'demo' },
        'master-token': { type: 'string' },
        'clock-speed': { type: 'string', default: '1' },
        'log-rate': { type: 'string' },
        'stats-header': { type: 'string', default: 'x-auth0-stats' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log(`${USAGE}\n\n${HELP}`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  const clockSpeed = Number(values['clock-speed']);
  if (!Number.isFinite(clockSpeed) || clockSpeed <= 0 || clockSpeed > 100_000)
    fail(`--clock-speed must be a positive number (1 = real time), got "${values['clock-speed']}"`);
  const logRate = values['log-rate'] === undefined ? undefined : Number(values['log-rate']);
  if (logRate !== undefined && (!Number.isFinite(logRate) || logRate < 0))
    fail(`--log-rate must be a non-negative number, got "${values['log-rate']}"`);
  const statsHeader = values['stats-header'];
  if (!isStatsHeaderMode(statsHeader)) fail(`--stats-header must be one of ${STATS_HEADER_MODES.join(', ')}, got "${statsHeader}"`);
  const token = values['master-token'];
  if (token !== undefined && (token.length < 8 || !/^[\x21-\x7e]+$/.test(token)))
    fail('--master-token must be at least 8 characters of printable ASCII without spaces (see --help)');

  let emulator;
  try {
    emulator = await startEmulator({
      port,
      seed: values.seed,
      ...(token ? { masterToken: token } : {}),
      clockSpeed,
      ...(logRate !== undefined ? { logRate } : {}),
      statsHeader,
      verbose: values.verbose,
      quiet: false,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(`port ${port} is already in use; pick another with --port (0 = any free port)`);
    console.error(`emulator: ${e.message}`);
    process.exit(1);
  }
  console.log(`emulator listening on ${emulator.url}`);
  // The master token is printed on purpose: it is how the operator of a local emulator logs in.
  console.log(`master token: ${emulator.masterToken}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      console.error(`emulator: did not stop within 5 s after ${signal}; exiting`);
      process.exit(1);
    }, 5000);
    force.unref();
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`emulator: error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
