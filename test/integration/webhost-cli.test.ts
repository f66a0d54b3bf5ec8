/** `npm run start:web`: the command a user without a display runs, end to end, as a process. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/host';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function startCli(args: string[]) {
  const child = spawn(tsx, ['core/webhost/cli.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (re: RegExp, ms = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const started = Date.now();
      const tick = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(tick);
          resolve(m);
        } else if (Date.now() - started > ms || child.exitCode !== null) {
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

  it('refuses bad arguments with usage and exit 2', async () => {
    const cli = startCli(['--port', 'eighty']);
    expect(await cli.exited).toBe(2);
    expect(cli.output().err).toContain('--port must be a port number');
    expect(cli.output().err).toContain('usage: npm run start:web');
  });
});
