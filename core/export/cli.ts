// Headless export: `npm run export -- --config FILE [--from CHECKPOINT] [--state DIR] [--dry-run]`.
// Progress goes to stderr (a bar on a terminal), the final report is one JSON line on stdout, and
// the exit status is 0 only when every fetched log was delivered.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CheckpointFileError, FileCheckpointStore } from './checkpoint';
import { ConfigError, parseExportConfig, secretValues } from './config';
import { runExport } from './engine';
import { type ExportProgress, everyLogDelivered } from './report';
import { isLogId } from '../../common/checkpoint';

// The AWS SDK warns on every start that a future release will need node 22: noise for a report-on-stdout tool.
const warningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning') for (const l of warningListeners) l(w);
});

const USAGE = `usage: npm run export -- --config FILE [--from CHECKPOINT] [--state DIR] [--dry-run] [--no-slack]

  --config FILE        JSON object of settings (AUTH0_DOMAIN, AUTH0_CLIENT_ID, ..., see core/export/README.md), at most 1 MiB
  --from CHECKPOINT    start after this log id (56 digits), ignoring the saved checkpoint
  --state DIR          where the checkpoint is kept (default: ./.export-state)
  --dry-run            fetch and filter only: nothing is sent, no checkpoint saved
  --no-slack           no Slack notice for this run

exit status: 0 every fetched log delivered; 1 the run failed or some logs were not delivered;
2 bad arguments or settings; 130 interrupted (the checkpoint stays consistent).`;

/** Settings are a few KB; anything larger is the wrong file, and is not read whole. */
const MAX_CONFIG_BYTES = 1024 * 1024;

async function readConfigFile(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_CONFIG_BYTES) {
      const { size } = await fh.stat();
      throw new Error(`it is ${size} bytes; a config file may hold at most 1 MiB (${MAX_CONFIG_BYTES} bytes) of settings`);
    }
    // A UTF-8 byte order mark (Windows editors) is not part of the JSON.
    return buf
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    await fh.close();
  }
}

/** Line and column (1-based) of a JSON.parse error, from its position when given, else the end of the text. */
function jsonErrorAt(text: string, e: Error): { line: number; column: number } {
  const m = /position (\d+)/.exec(e.message);
  const pos = m ? Math.min(Number(m[1]), text.length) : text.length;
  const before = text.slice(0, pos).split(/\r\n|\r|\n/);
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function fail(message: string, code = 2): never {
  process.stderr.write(`export: ${message}\n`);
  process.exit(code);
}

function bar(p: ExportProgress, width = 28): string {
  const frac = p.fraction;
  const filled = frac === null ? p.batches % width : Math.round(frac * width);
  const barText =
    frac === null
      ? ' '.repeat(filled) + '=' + ' '.repeat(Math.max(0, width - filled - 1))
      : '='.repeat(filled) + ' '.repeat(width - filled);
  const eta = p.etaSeconds !== null ? ` eta ${Math.ceil(p.etaSeconds)}s` : '';
  const cp = p.checkpoint ? `…${p.checkpoint.slice(-10)}` : '(start)';
  return `[${barText}] ${p.processed} logs, ${p.delivered} delivered, ${p.batches} batches, ${p.logsPerSecond}/s, checkpoint ${cp}${eta}${p.phase === 'retrying' ? ' (retrying)' : ''}`;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' },
        from: { type: 'string' },
        state: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'no-slack': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!args.config) fail(`--config FILE is required\n${USAGE}`);
  if (args.from !== undefined && !isLogId(args.from))
    fail('--from must be a log id (56 digits), e.g. the nextCheckpoint of a previous report');

  let text: string;
  try {
    text = await readConfigFile(resolve(args.config));
  } catch (e) {
    fail(`cannot read the config file ${args.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // JSON.parse quotes the text around the error, and the text holds secrets: say where, never what.
    const { line, column } = jsonErrorAt(text, e as Error);
    fail(`the config file ${args.config} is not valid JSON at line ${line}, column ${column} (its text is not shown: it holds secrets)`);
  }
  let config;
  try {
    config = parseExportConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) fail(`${e.message}\n(in ${args.config})`);
    throw e;
  }

  // Unknown settings: said before the run starts (the report carries them too).
  for (const w of config.warnings) process.stderr.write(`export: warning: ${w}\n`);

  const ac = new AbortController();
  let interrupted = false;
  const stop = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nexport: stopping after the current request; the checkpoint stays consistent (press again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  const secrets = secretValues(raw as Record<string, unknown>);
  const store = new FileCheckpointStore(resolve(args.state ?? '.export-state'), {
    log: (line) => process.stderr.write(`export: ${line}\n`),
  });
  let report;
  try {
    report = await runExport({
      config,
      checkpointStore: store,
      ...(args.from !== undefined ? { from: args.from } : {}),
      signal: ac.signal,
      dryRun: args['dry-run'],
      notify: !args['no-slack'],
      jobName: `export ${args.config}`,
      progressIntervalMs: tty ? 100 : 2000,
      log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}export: ${line}\n`),
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r\x1b[K${bar(p)}${p.phase === 'done' ? '\n' : ''}`);
        else if (Date.now() - lastLine >= 2000 || p.phase === 'done') {
          lastLine = Date.now();
          process.stderr.write(`export: ${bar(p)}\n`);
        }
      },
    });
  } catch (e) {
    // Only reading the stored checkpoint throws here (settings were checked above).
    if (e instanceof CheckpointFileError) fail(e.message);
    throw e;
  }
  let out = JSON.stringify(report);
  // The engine already redacts; this is the last line of defence before stdout.
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  const code = report.status === 'cancelled' ? 130 : report.dryRun ? (report.status === 'ok' ? 0 : 1) : everyLogDelivered(report) ? 0 : 1;
  // Exit once the report is flushed: an SDK's idle keep-alive socket must not hold the process open.
  process.stdout.write(`${out}\n`, () => process.exit(code));
}

main().catch((e: unknown) => fail(`unexpected error: ${(e as Error)?.message ?? String(e)}`, 1));
