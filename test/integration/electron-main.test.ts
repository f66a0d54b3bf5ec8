/**
 * The Electron main process, executed (issue 12): the built out/main/main.js runs under Node with a
 * recording stand-in for the `electron` module (test/helpers/electron-stand-in/), substituted through
 * Node's module hooks (`--import register.mjs`). The stand-in is NOT Electron: this shows what main.js
 * does with Electron's API (channels, sender checks, window options, the app:// handler and its CSP,
 * the hardening handlers, the vault through safeStorage); a launch of the real binary belongs on a
 * machine that has it (`npm start`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames } from '../../common/contract';
import { contentSecurityPolicy } from '../../common/csp';
import { fixedServer, tempDir } from '../helpers/host';

const root = process.cwd();
const mainJs = join(root, 'out', 'main', 'main.js');
const register = join(root, 'test', 'helpers', 'electron-stand-in', 'register.mjs');
const APP = 'app://console';
const trusted = { url: `${APP}/index.html`, parent: null };

interface Main {
  child: ChildProcess;
  send<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts main.js on the stand-in and resolves once main() has built its menu (its last step). */
async function launch(dir: string, key: string): Promise<Main> {
  const child = fork(mainJs, [], {
    execArgv: ['--import', register],
    env: { ...process.env, ESC_STANDIN_DIR: dir, ESC_STANDIN_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let seq = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string; seq?: number; result?: unknown; error?: string; message?: string }) => {
      if (m.type === 'ready') resolve();
      if (m.type === 'failed') reject(new Error(`main() failed: ${m.message}`));
      if (m.type === 'reply' && m.seq !== undefined) {
        const w = waiting.get(m.seq);
        waiting.delete(m.seq);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve(m.result);
      }
    });
    child.on('exit', (code) => reject(new Error(`main.js exited (${code}) before it was ready:\n${stderr}`)));
  });
  await ready;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    send: <T>(op: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const n = ++seq;
        waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ op, seq: n, ...args });
      }),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface State {
  privilegedSchemes: Array<{ scheme: string; privileges: Record<string, boolean> }>;
  sandboxEnabled: boolean;
  handles: string[];
  ons: string[];
  protocols: string[];
  windows: Array<{ options: { webPreferences: Record<string, unknown> }; loaded: string[] }>;
  contentsListeners: string[];
  appListeners: string[];
  sessionListeners: string[];
  menu: Array<{ label: string; items: string[] }>;
  errorBoxes: string[];
  safeStorage: { encrypt: number; decrypt: number };
}
type Result = { ok: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };

describe('Electron main process on a stand-in for electron', () => {
  const dir = tempDir('esc-main-');
  const key = randomBytes(16).toString('hex');
  let main: Main;
  let state: State;
  beforeAll(async () => {
    main = await launch(dir, key);
    state = await main.send<State>('state');
  });
  afterAll(async () => {
    await main?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts without an error box, on the Node the app runs on', () => {
    expect(state.errorBoxes).toEqual([]);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('registers every contract channel through ipcMain.handle, once, and no other handler', () => {
    expect([...state.handles].sort()).toEqual(channelNames.map((c) => `api:${c}`).sort());
    // electron-store's own sync channel (userData path and app version) is the only listener; the
    // preload exposes no ipcRenderer, so no page can send to it.
    expect(state.ons).toEqual(['electron-store-get-data']);
  });

  it('answers the console page and refuses a call from any other frame', async () => {
    const ok = await main.send<Result>('invoke', { channel: 'app.info', input: {}, frame: trusted });
    expect(ok).toMatchObject({ ok: true, data: { host: 'electron', vault: { backend: 'os-keyring', persistent: true } } });
    for (const frame of [
      { url: 'https://evil.example/', parent: null },
      { url: `${APP}/index.html`, parent: {} },
      { url: 'app://console.evil/index.html', parent: null },
      { url: 'file:///etc/passwd', parent: null },
      null,
    ]) {
      const r = await main.send<Result>('invoke', { channel: 'profiles.list', input: {}, frame });
      expect(r, JSON.stringify(frame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('opens one sandboxed, isolated window without Node on app://console', () => {
    expect(state.sandboxEnabled).toBe(true);
    expect(state.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false } }]);
    expect(state.windows).toHaveLength(1);
    const [win] = state.windows;
    expect(win?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      preload: join(root, 'out', 'preload', 'preload.cjs'),
    });
    expect(win?.loaded).toEqual([`${APP}/index.html`]);
  });

  it('serves app://console with the CSP, nonce stamped, and nothing outside the renderer', async () => {
    expect(state.protocols).toEqual(['app']);
    const page = await main.send<{ status: number; headers: Record<string, string>; body: string }>('protocol', {
      url: `${APP}/index.html`,
    });
    expect(page.status).toBe(200);
    const nonce = /nonce="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(nonce.length).toBeGreaterThan(10);
    expect(page.body).not.toContain('CSPNONCEPLACEHOLDER');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy({ nonce, connect: [] }));
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1] ?? '';
    const asset = await main.send<{ status: number; headers: Record<string, string> }>('protocol', { url: `${APP}/${script}` });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-security-policy']).toContain("connect-src 'none'");
    for (const url of [
      `${APP}/..%2f..%2fpackage.json`,
      `${APP}/%2e%2e/%2e%2e/package.json`,
      `${APP}/no-such-file.js`,
      'app://other/index.html',
    ]) {
      expect((await main.send<{ status: number }>('protocol', { url })).status, url).toBe(404);
    }
  });

  it('installs the navigation, new-window, webview, download and permission guards', async () => {
    expect(state.appListeners).toContain('web-contents-created');
    expect(state.contentsListeners).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect', 'will-attach-webview']));
    expect(await main.send('contents', { event: 'will-navigate', url: 'https://evil.example/' })).toEqual({ prevented: true });
    expect(await main.send('contents', { event: 'will-navigate', url: `${APP}/index.html` })).toEqual({ prevented: false });
    expect(await main.send('contents', { event: 'will-redirect', url: 'https://evil.example/' })).toEqual({ prevented: true });
    expect(await main.send('contents', { event: 'will-attach-webview', url: `${APP}/index.html` })).toEqual({ prevented: true });
    expect(await main.send('windowOpen', { url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(await main.send('permission', { permission: 'media' })).toEqual({ granted: false, check: false, downloadPrevented: true });
  });

  it('has a File menu with Lock', () => {
    expect(state.menu.find((m) => m.label === 'File')?.items).toContain('Lock');
  });

  it('keeps a token through safeStorage: ciphertext on disk, decrypted by the next launch', async () => {
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const server = await fixedServer(200, [{ name: 'hello', container: 'acme' }]);
    let second: Main | undefined;
    try {
      const saved = await main.send<Result>('invoke', {
        channel: 'profiles.save',
        input: { name: 'Round trip', url: server.url, container: 'acme', token },
        frame: trusted,
      });
      expect(saved).toMatchObject({ ok: true });
      const id = String(saved.data?.id);
      expect((await main.send<State>('state')).safeStorage.encrypt).toBeGreaterThan(0);
      // What electron-store wrote: ciphertext only, in neither plain nor base64 form.
      const onDisk = readFileSync(join(dir, 'userData', 'tokens.json'), 'utf8');
      expect(JSON.parse(onDisk)).toHaveProperty(id);
      expect(onDisk).not.toContain(token);
      expect(onDisk).not.toContain(Buffer.from(token).toString('base64').slice(0, 16));

      // A second launch on the same userData and key decrypts it and sends it where it was saved for.
      await main.stop();
      second = await launch(dir, key);
      const tested = await second.send<Result>('invoke', { channel: 'profiles.test', input: { id }, frame: trusted });
      expect(tested).toMatchObject({ ok: true, data: { outcome: 'ok', status: 200 } });
      expect(server.requests.at(-1)?.auth).toBe(`Bearer ${token}`);
      expect((await second.send<State>('state')).safeStorage.decrypt).toBeGreaterThan(0);
    } finally {
      await server.close();
      if (second) main = second;
    }
  });
});
