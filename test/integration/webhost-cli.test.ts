/** `npm run start:web`: the command a user without a display runs, end to end, as a process. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/host';
import { openHostSocket } from '../helpers/ws';

// Node with tsx as a loader, as `npm run start:web` runs it: the `tsx` command is a parent that relays a
// signal and, when its child does not confirm within 30 ms (a busy machine), kills it and exits 143.
const RUN = ['--import', 'tsx'];

const children: Array<ReturnType<typeof spawn>> = [];
// A test that failed half-way must not leave its host running.
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [...RUN, 'core/webhost/cli.ts', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Waits for the line or the process's exit, not for a clock: a loaded machine starts tsx slowly,
  // and the test's own timeout is the one bound.
  const line = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const tick = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(tick);
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(tick);
          reject(new Error(`no ${re} in output:\n${out}\n${err}`));
        }
      }, 50);
    });
  return { child, exited, line, output: () => ({ out, err }) };
}

describe('npm run start:web', () => {
  it('prints the console URL with its secret, serves the page with the embedded emulator, stops on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--no-open', '--data-dir', tempDir()]);
    const m = await cli.line(/console at (http:\/\/127\.0\.0\.1:(\d+))\/#([A-Za-z0-9_-]{20,})/);
    expect(cli.output().out).toMatch(/embedded emulator at http:\/\/127\.0\.0\.1:\d+/);
    const page = await fetch(`${m[1]}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('opens the browser on an 0600 file, never with the secret on a command line (finding 7), and survives hostile frames', async () => {
    // A fake opener (via $BROWSER) that records the command line it was started with.
    const dir = tempDir('esc-opener-');
    const opener = join(dir, 'opener.mjs');
    const record = join(dir, 'opened.json');
    writeFileSync(
      opener,
      `import { readFileSync, writeFileSync } from 'node:fs';\n` +
        `writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv, cmdline: readFileSync('/proc/self/cmdline', 'utf8').split('\\0') }));\n`,
    );
    const cli = startCli(['--port', '0', '--no-emulator', '--data-dir', tempDir()], { BROWSER: `${process.execPath} ${opener}` });
    const m = await cli.line(/console at (http:\/\/127\.0\.0\.1:(\d+))\/#([A-Za-z0-9_-]{20,})/);
    const [, url = '', port = '', secret = ''] = m;
    // The opener is a detached process: wait for its record (bounded by the test's timeout).
    for (let i = 0; i < 2_400 && !existsSync(record); i++) await new Promise((r) => setTimeout(r, 50));
    const opened = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; cmdline: string[] };
    // The opener saw a file URL and nothing secret.
    expect(opened.cmdline.join(' ')).not.toContain(secret);
    expect(opened.argv.join(' ')).not.toContain(secret);
    const target = opened.argv.at(-1) ?? '';
    expect(target).toMatch(/^file:\/\/.+console-open\.html$/);
    const file = fileURLToPath(target);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain(`url=${url}/#${secret}`);
    // No process on this machine shows the secret in its command line while the host runs.
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // gone meanwhile, or not ours to read
      }
      expect(cmdline, `process ${pid}`).not.toContain(secret);
    }

    // The frames that used to kill the host, against the real process, then a second connection.
    const web = { port: Number(port), url, secret };
    const sock = await openHostSocket(web);
    expect(await sock.exchange('null')).toMatchObject({ id: null, result: { ok: false, error: { code: 'invalid_input' } } });
    expect(await sock.exchange('{"channel":{"toString":1}}')).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'invalid_input' } },
    });
    sock.close();
    const second = await openHostSocket(web);
    expect(await second.call('app.info')).toMatchObject({ ok: true });
    second.close();
    expect(cli.output().err).not.toMatch(/uncaught|unhandled/);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    // The file dies with the host.
    expect(existsSync(file)).toBe(false);
  });

  it('refuses bad arguments with usage and exit 2', async () => {
    const cli = startCli(['--port', 'eighty']);
    expect(await cli.exited).toBe(2);
    expect(cli.output().err).toContain('--port must be a port number');
    expect(cli.output().err).toContain('usage: npm run start:web');
  });
});
