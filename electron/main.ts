// The Electron main process: window, vault, IPC registration. Thin by design: every behaviour
// worth testing lives in core/ and runs without Electron.
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, net, protocol, screen, session, shell, type WebContents } from 'electron';
import Store from 'electron-store';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { platform, userInfo } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { channelNames } from '../common/contract';
import { createHost, createSession, type HostDeps } from '../core/host';
import { APP_NAME, APP_VERSION, registerEmbeddedCluster } from '../core/host/node-deps';
import { JsonlAuditLog, redactedSettings } from '../core/host/stores';
import { Redactor } from '../core/util/redact';
import { Flows } from '../core/host/flows';
import { contentSecurityPolicy, NONCE_PLACEHOLDER } from '../common/csp';
import { APP_ORIGIN, APP_SCHEME, hardenContents, hardenSession, isAppUrl, isTrustedSender } from './security';
import { createVault } from './vault';
import type { startEmulator as StartEmulator } from '../emulator/index';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = normalize(join(here, '..', 'renderer'));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) app.quit();

interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** A saved position on a display that is gone would open the window off-screen: keep only the size then. */
function visibleState(state: WindowState): WindowState {
  if (state.x === undefined || state.y === undefined) return state;
  const area = screen.getDisplayMatching({ x: state.x, y: state.y, width: state.width, height: state.height }).workArea;
  const visible =
    state.x < area.x + area.width - 50 &&
    state.x + state.width > area.x + 50 &&
    state.y >= area.y - 10 &&
    state.y < area.y + area.height - 50;
  return visible
    ? state
    : { width: Math.min(state.width, area.width), height: Math.min(state.height, area.height), maximized: state.maximized };
}

/** The native "save as" dialog, over the focused window; null when the user cancels. */
async function pickSavePath(suggestedName: string): Promise<string | null> {
  const win = BrowserWindow.getFocusedWindow();
  const opts = { defaultPath: join(app.getPath('downloads'), suggestedName) };
  const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
  return r.canceled || !r.filePath ? null : r.filePath;
}

async function main() {
  await app.whenReady();
  const settings = new Store<Record<string, unknown>>({ name: 'settings' });
  const vault = await createVault();
  // One redactor for results, events and every store that writes to disk.
  const redactor = new Redactor();
  const deps: HostDeps = {
    info: { name: APP_NAME, version: APP_VERSION, host: 'electron', platform: platform(), user: userInfo().username },
    vault,
    settings: redactedSettings(
      { get: (k, fallback) => (settings.has(k) ? (settings.get(k) as typeof fallback) : fallback), set: (k, v) => settings.set(k, v) },
      redactor,
    ),
    audit: new JsonlAuditLog(join(app.getPath('userData'), 'audit.jsonl'), redactor),
    redactor,
    flows: new Flows(),
    dataDir: app.getPath('userData'),
    async saveFile(suggestedName, content) {
      const path = await pickSavePath(suggestedName);
      if (!path) return null;
      await writeFile(path, content, { mode: 0o600 });
      return { path };
    },
    pickSavePath,
    copyText: (text) => clipboard.writeText(text),
    async openExternal(url) {
      const parsed = new URL(url);
      // Only https leaves the app, and only after the user confirms the exact URL.
      if (parsed.protocol !== 'https:') return false;
      const r = await dialog.showMessageBox({
        type: 'question',
        buttons: ['Open', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        message: 'Open this link in your browser?',
        detail: url,
      });
      if (r.response !== 0) return false;
      await shell.openExternal(parsed.toString());
      return true;
    },
  };

  // The embedded emulator ships as its own bundle; a build without it simply has no local cluster.
  const emulatorEntry = join(here, '..', 'emulator', 'index.js');
  let stopEmulator: (() => Promise<void>) | undefined;
  try {
    const mod = (await import(pathToFileURL(emulatorEntry).href)) as { startEmulator: typeof StartEmulator };
    const emu = await mod.startEmulator({ port: 0, seed: 'demo', quiet: true });
    stopEmulator = () => emu.close();
    await registerEmbeddedCluster(deps, { url: emu.url, masterToken: emu.masterToken, container: emu.tenants()[0] ?? 'master' });
  } catch (e) {
    console.error(`embedded emulator not started: ${e instanceof Error ? e.message : String(e)}`);
  }

  const host = createHost(deps);
  const sessions = new Map<number, ReturnType<typeof createSession>>();
  const sessionFor = (wc: WebContents) => {
    let s = sessions.get(wc.id);
    if (!s) {
      s = createSession(deps, `wc-${wc.id}`, (topic, payload) => {
        if (!wc.isDestroyed()) wc.send(`evt:${topic}`, payload);
      });
      sessions.set(wc.id, s);
      wc.once('destroyed', () => {
        sessions.get(wc.id)?.close();
        sessions.delete(wc.id);
      });
    }
    return s;
  };

  for (const name of channelNames) {
    ipcMain.handle(`api:${name}`, (event, input: unknown) => {
      if (!isTrustedSender(event.senderFrame)) {
        return { ok: false, error: { code: 'forbidden', message: 'Refused: the request did not come from the console page.' } };
      }
      return host.call(name, input, sessionFor(event.sender));
    });
  }

  const nonce = randomBytes(18).toString('base64');
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (!isAppUrl(request.url)) return new Response('Not found', { status: 404 });
    const file = normalize(join(rendererDir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    // A missing file makes net.fetch reject: answer 404 rather than fail the request with no status.
    const res = await net.fetch(pathToFileURL(file).toString()).catch(() => null);
    if (!res) return new Response('Not found', { status: 404 });
    const headers = new Headers(res.headers);
    // IPC is not a connection: the page may connect nowhere.
    headers.set('content-security-policy', contentSecurityPolicy({ nonce, connect: [] }));
    headers.set('x-content-type-options', 'nosniff');
    if (file.endsWith('.html') && res.ok)
      return new Response((await res.text()).replaceAll(NONCE_PLACEHOLDER, nonce), { status: 200, headers });
    return new Response(res.body, { status: res.status, headers });
  });

  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));

  const saved = visibleState(deps.settings.get<WindowState>('windowState', { width: 1280, height: 820, maximized: false }));
  const win = new BrowserWindow({
    ...saved,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: APP_NAME,
    backgroundColor: '#14171c',
    // Written out here, not built by a helper, so static checkers (electronegativity, our own test) see each option.
    webPreferences: {
      preload: join(here, '..', 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  });
  if (saved.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => deps.settings.set('windowState', { ...win.getNormalBounds(), maximized: win.isMaximized() }));
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // The menu goes through the same handlers as the sidebar button (app.lock closes every flow, app.unlock
  // re-reads the vault); their `app.vault` event turns the button, their answer becomes a notice.
  const menuCall = async (channel: 'app.lock' | 'app.unlock') => {
    const r = await host.call(channel, {}, sessionFor(win.webContents));
    const message = !r.ok
      ? r.error.message
      : channel === 'app.lock'
        ? 'Locked: every tail and replay stopped, tokens dropped from memory. Unlock to use them again.'
        : ['Unlocked.', ...('needToken' in r.data ? r.data.needToken.map((n) => n.message) : [])].join(' ');
    sessionFor(win.webContents).emit('app.notice', { level: r.ok ? 'info' : 'error', message });
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      {
        label: 'File',
        submenu: [
          { label: 'Lock', accelerator: 'CmdOrCtrl+L', click: () => void menuCall('app.lock') },
          { label: 'Unlock', click: () => void menuCall('app.unlock') },
          { type: 'separator' },
          process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
        ],
      },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void stopEmulator?.());
}

main().catch((e: unknown) => {
  dialog.showErrorBox(APP_NAME, `The console could not start: ${e instanceof Error ? e.message : String(e)}`);
  app.exit(1);
});
