// What the live-tail benches share: the emulator in its own process (its flood loop gets its own core)
// and its admin API.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface EmulatorProcess {
  url: string;
  masterToken: string;
  child: ChildProcess;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** bench/logs-emulator.ts in a child process; resolves once it printed its address. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(resolve('node_modules/.bin/tsx'), ['bench/logs-emulator.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<string>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`emulator exited (${c})`)));
  });
  return { ...(JSON.parse(first) as { url: string; masterToken: string }), child };
}

/** One admin call with the master token; throws on an error status. */
export async function admin(emu: { url: string; masterToken: string }, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${emu.masterToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}
