// Starts an emulator on port 0 for one test file and closes it after.
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index';
import { cronRunInFlight } from '../../core/host/bulk-replay/guard';
import type { WireCronJob } from '../../core/webtask/cron';

/** Registers beforeAll/afterAll hooks; call `emu()` inside tests to get the running emulator. */
export function useEmulator(opts: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, quiet: true, ...opts });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error('the emulator is not started yet: call emu() inside a test or hook');
    return emulator;
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small client for tests: JSON in, JSON (or text) out, never throws on HTTP errors. */
export async function api<T = unknown>(
  emu: Emulator,
  path: string,
  init: { method?: string; token?: string | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const token = init.token === undefined ? emu.masterToken : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (init.rawBody !== undefined) body = typeof init.rawBody === 'string' ? init.rawBody : new Uint8Array(init.rawBody);
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${emu.url}${path}`, { method: init.method ?? 'GET', headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/**
 * Waits (bounded) until no run of the cron job is in flight, as the console's guard infers it. Turning
 * a job off stops its next run, not one already delivering; a test that then replays locally waits here.
 */
export async function cronIdle(emu: Emulator, container: string, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await api<WireCronJob>(emu, `/api/cron/${encodeURIComponent(container)}/${encodeURIComponent(name)}`);
    // The console's clock, as the guard reads it (an accelerated emulator clock would age runs too fast).
    if (r.status === 404 || cronRunInFlight(r.body) === null) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`a cron run of ${container}/${name} was still in flight after 600 polls`);
}
