// A recording stand-in for the `electron` module, so the built main process (out/main/main.js) runs
// under plain Node in tests: it is NOT Electron. It implements just the main-process API main.js and
// electron-store call, records what they do, and answers a test driving it over the Node IPC channel
// (process.send). A launch of the real binary belongs on a machine that has one.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.ESC_STANDIN_DIR;
if (!root) throw new Error('electron stand-in: set ESC_STANDIN_DIR');
// safeStorage's key lives in the OS keyring in real Electron; here it comes from the test, so a
// second launch on the same userData decrypts what the first one stored.
const key = createHash('sha256')
  .update(process.env.ESC_STANDIN_KEY ?? 'stand-in')
  .digest();

const record = {
  privilegedSchemes: [],
  sandboxEnabled: false,
  handles: new Map(),
  ons: new Map(),
  protocols: new Map(),
  windows: [],
  sent: [],
  permissionRequestHandler: null,
  permissionCheckHandler: null,
  sessionEvents: new EventEmitter(),
  menu: null,
  errorBoxes: [],
  exitCodes: [],
  safeStorage: { encrypt: 0, decrypt: 0 },
};

const tell = (msg) => process.send?.(msg);

let nextContentsId = 1;
class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextContentsId++;
    this.windowOpenHandler = null;
  }
  send(channel, payload) {
    record.sent.push({ channel, payload });
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler(fn) {
    this.windowOpenHandler = fn;
  }
}

class App extends EventEmitter {
  enableSandbox() {
    record.sandboxEnabled = true;
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  getPath(name) {
    const p = join(root, name);
    mkdirSync(p, { recursive: true });
    return p;
  }
  getVersion() {
    return '0.0.0-stand-in';
  }
  getName() {
    return 'stand-in';
  }
  quit() {
    record.exitCodes.push('quit');
  }
  exit(code) {
    record.exitCodes.push(code);
  }
}
export const app = new App();

export class BrowserWindow extends EventEmitter {
  static all = [];
  static getFocusedWindow() {
    return BrowserWindow.all[0] ?? null;
  }
  constructor(options) {
    super();
    this.options = options;
    this.loaded = [];
    this.webContents = new WebContents();
    BrowserWindow.all.push(this);
    record.windows.push(this);
    // As Electron does: a new window's contents are announced before anything loads in them.
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url) {
    this.loaded.push(url);
    return Promise.resolve();
  }
  maximize() {}
  isMaximized() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
  getNormalBounds() {
    return { x: 0, y: 0, width: 1280, height: 820 };
  }
}

export const ipcMain = {
  handle(channel, fn) {
    if (record.handles.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    record.handles.set(channel, fn);
  },
  on(channel, fn) {
    record.ons.set(channel, fn);
  },
  removeHandler(channel) {
    record.handles.delete(channel);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    record.privilegedSchemes.push(...schemes);
  },
  handle(scheme, fn) {
    record.protocols.set(scheme, fn);
  },
};

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
export const net = {
  // Electron's net.fetch reads file: URLs; Node's fetch does not. A missing file rejects, as Electron's does.
  async fetch(url) {
    const u = new URL(url);
    if (u.protocol !== 'file:') throw new Error(`stand-in net.fetch: only file: URLs (${u.protocol})`);
    const body = await readFile(fileURLToPath(u));
    return new Response(body, { status: 200, headers: { 'content-type': TYPES[extname(u.pathname)] ?? 'application/octet-stream' } });
  },
};

export const screen = {
  getDisplayMatching: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      record.permissionRequestHandler = fn;
    },
    setPermissionCheckHandler(fn) {
      record.permissionCheckHandler = fn;
    },
    on(event, fn) {
      record.sessionEvents.on(event, fn);
    },
  },
};

export const dialog = {
  showSaveDialog: async () => ({ canceled: true }),
  showMessageBox: async () => ({ response: 1 }),
  showErrorBox(title, message) {
    record.errorBoxes.push(`${title}: ${message}`);
    tell({ type: 'failed', message });
  },
};

export const shell = {
  openExternal: async () => undefined,
  openPath: async () => '',
};

/** What the app put on the clipboard, for tests (Electron's writeText resolves once written). */
export const clipboard = {
  written: [],
  writeText: async (text) => {
    clipboard.written.push(text);
  },
};

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu(menu) {
    record.menu = menu;
    // The last thing main() sets up: from here the test may drive it.
    setImmediate(() => tell({ type: 'ready' }));
  },
};

export const safeStorage = {
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  async encryptStringAsync(plain) {
    record.safeStorage.encrypt++;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  },
  async decryptStringAsync(blob) {
    record.safeStorage.decrypt++;
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
    d.setAuthTag(blob.subarray(12, 28));
    return { result: Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: false };
  },
};

// ---- the test's side: commands over the IPC channel, each answered once ----

const mainContents = () => record.windows[0]?.webContents;

function guarded(emitter, event, ...args) {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
  emitter.emit(event, e, ...args);
  return e.defaultPrevented;
}

const commands = {
  state: () => ({
    privilegedSchemes: record.privilegedSchemes,
    sandboxEnabled: record.sandboxEnabled,
    handles: [...record.handles.keys()],
    ons: [...record.ons.keys()],
    protocols: [...record.protocols.keys()],
    windows: record.windows.map((w) => ({ options: w.options, loaded: w.loaded })),
    contentsListeners: mainContents()?.eventNames() ?? [],
    appListeners: app.eventNames(),
    sessionListeners: record.sessionEvents.eventNames(),
    menu: record.menu?.template.map((m) => ({
      label: m.label ?? m.role,
      items: (m.submenu ?? []).map?.((i) => i.label ?? i.role ?? i.type) ?? [],
    })),
    errorBoxes: record.errorBoxes,
    safeStorage: record.safeStorage,
  }),
  async invoke({ channel, input, frame }) {
    const handler = record.handles.get(`api:${channel}`);
    if (!handler) return { missing: true };
    const contents = mainContents();
    return handler({ sender: contents, senderFrame: frame }, input);
  },
  async protocol({ url }) {
    const res = await record.protocols.get('app')(new Request(url));
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  },
  contents({ event, url }) {
    return { prevented: guarded(mainContents(), event, url) };
  },
  windowOpen({ url }) {
    return mainContents()?.windowOpenHandler?.({ url }) ?? null;
  },
  permission({ permission }) {
    let granted = null;
    record.permissionRequestHandler?.(mainContents(), permission, (v) => (granted = v));
    return {
      granted,
      check: record.permissionCheckHandler?.(mainContents(), permission) ?? null,
      downloadPrevented: guarded(record.sessionEvents, 'will-download'),
    };
  },
};

process.on('message', (msg) => {
  const run = commands[msg?.op];
  Promise.resolve()
    .then(() => (run ? run(msg) : { error: `unknown op ${msg?.op}` }))
    .then(
      (result) => tell({ type: 'reply', seq: msg.seq, result }),
      (e) => tell({ type: 'reply', seq: msg.seq, error: e instanceof Error ? e.message : String(e) }),
    );
});

export default { app, BrowserWindow, ipcMain, protocol, net, screen, session, dialog, shell, clipboard, Menu, safeStorage };
