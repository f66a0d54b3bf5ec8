// The webtask sandbox: runs extension code inside a worker thread (one container per worker, one
// run at a time). Plain CommonJS so it loads the same way under tsx, vitest and a bundled app.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a worker loaded as plain CommonJS by design */
const { parentPort } = require('node:worker_threads');
const { Readable } = require('node:stream');
const vm = require('node:vm');
const util = require('node:util');
const Module = require('node:module');

const nodeRequire = Module.createRequire(__filename);
const compiled = new Map(); // code -> factory(module, exports, require, console)
let current = null; // the run in progress
let nextCall = 1;
const pendingCalls = new Map();
let hostModules = new Set();

function post(msg) {
  parentPort.postMessage(msg);
}

function logFrom(level) {
  return (...args) => {
    if (!current) return;
    post({ type: 'log', runId: current.id, level, msg: util.format(...args) });
  };
}
const sandboxConsole = {
  log: logFrom(30),
  info: logFrom(30),
  warn: logFrom(40),
  error: logFrom(50),
  debug: logFrom(20),
  trace: logFrom(10),
};

function callMain(kind, payload) {
  const runId = current && current.id;
  return new Promise((resolve, reject) => {
    const callId = nextCall++;
    pendingCalls.set(callId, { resolve, reject });
    post({ type: 'call', kind, callId, runId, ...payload });
  });
}

function sandboxRequire(name) {
  if (hostModules.has(name)) {
    // A host module: a function whose calls are proxied to the main thread.
    return (arg) => callMain('host', { module: name, body: arg && typeof arg === 'object' && 'body' in arg ? arg.body : arg });
  }
  try {
    return nodeRequire(name);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new Error(`Cannot find module '${name}': it is neither a Node built-in nor a host module registered with this emulator`);
    }
    throw err;
  }
}

function compile(code) {
  let factory = compiled.get(code);
  if (factory) return factory;
  const wrapped = '(function (module, exports, require, console, __filename, __dirname) {' + code + '\n})';
  factory = new vm.Script(wrapped, { filename: 'webtask.js' }).runInThisContext();
  if (compiled.size > 200) compiled.clear();
  compiled.set(code, factory);
  return factory;
}

function instantiate(code) {
  const factory = compile(code);
  const module = { exports: {} };
  const ret = factory.call(module.exports, module, module.exports, sandboxRequire, sandboxConsole, '/data/webtask.js', '/data');
  let fn = module.exports;
  // Legacy style: `return function (cb) {...}` at top level of the code.
  if (typeof fn !== 'function' && typeof ret === 'function') fn = ret;
  if (fn && typeof fn !== 'function' && typeof fn.default === 'function') fn = fn.default;
  return fn;
}

function errorBody(code, err, error) {
  const e = err instanceof Error ? err : new Error(String(err));
  // Only the extension's own frames: the sandbox's internals are not the customer's business.
  const stack = String(e.stack || '')
    .split('\n')
    .filter((l) => !/sandbox-worker\.cjs|node:internal|\(node:/.test(l))
    .join('\n');
  return { code, error, details: `${e.name}: ${e.message}`, name: e.name, message: e.message, stack };
}

function finish(run, status, headers, body, source) {
  if (run.done) return;
  run.done = true;
  if (current === run) current = null;
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body === undefined ? {} : body));
  post({ type: 'result', runId: run.id, status, headers, body: buf, source });
}

function parseBody(req) {
  const raw = req.body ? Buffer.from(req.body) : Buffer.alloc(0);
  if (!raw.length) return undefined;
  const ct = String(req.headers['content-type'] || '');
  const text = raw.toString('utf8');
  if (ct.includes('application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (ct.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return text;
}

function makeCtx(run) {
  const req = run.req;
  const storageKey = run.name;
  return {
    secrets: { ...run.secrets },
    params: { ...run.params },
    meta: { ...run.meta },
    data: { ...run.params, ...run.secrets, ...req.query },
    query: { ...req.query },
    headers: { ...req.headers },
    body: run.parseBody ? parseBody(req) : undefined,
    body_raw: undefined,
    id: run.reqId,
    container: run.container,
    webtaskContext: undefined,
    storage: {
      get(options, cb) {
        if (typeof options === 'function') cb = options;
        callMain('storage-get', { key: storageKey }).then(
          (v) => cb(null, v),
          (e) => cb(e),
        );
      },
      set(data, options, cb) {
        if (typeof options === 'function') cb = options;
        callMain('storage-set', { key: storageKey, data }).then(
          () => cb && cb(null),
          (e) => cb && cb(e),
        );
      },
    },
  };
}

function runRequest(run) {
  const { req } = run;
  current = run;
  let fn;
  try {
    fn = instantiate(run.code);
  } catch (err) {
    return finish(
      run,
      400,
      { 'content-type': 'application/json' },
      errorBody(400, err, `Compilation failed: ${err && err.message}`),
      'compiler',
    );
  }
  if (typeof fn !== 'function') {
    return finish(
      run,
      400,
      { 'content-type': 'application/json' },
      { code: 400, error: 'Supplied code must return or export a function.' },
      'compiler',
    );
  }
  const ctx = makeCtx(run);
  const cb = (err, data) => {
    if (err) {
      const status = Number.isInteger(err.statusCode) && err.statusCode >= 400 ? err.statusCode : 400;
      return finish(run, status, { 'content-type': 'application/json' }, errorBody(status, err, 'Script returned an error.'), 'webtask');
    }
    if (data === undefined) return finish(run, 200, { 'content-type': 'application/json' }, '{}', 'webtask');
    return finish(run, 200, { 'content-type': 'application/json' }, JSON.stringify(data), 'webtask');
  };
  try {
    if (fn.length >= 3) {
      // function (ctx, req, res): a readable request and a minimal response object.
      const fakeReq = Readable.from(req.body && req.body.length ? [Buffer.from(req.body)] : []);
      Object.assign(fakeReq, { method: req.method, url: req.url, headers: req.headers, query: req.query });
      const chunks = [];
      const res = {
        statusCode: 200,
        _headers: {},
        headersSent: false,
        setHeader(k, v) {
          this._headers[String(k).toLowerCase()] = String(v);
        },
        getHeader(k) {
          return this._headers[String(k).toLowerCase()];
        },
        removeHeader(k) {
          delete this._headers[String(k).toLowerCase()];
        },
        writeHead(status, a, b) {
          this.statusCode = status;
          const h = typeof a === 'object' && a ? a : b;
          if (h) for (const k of Object.keys(h)) this.setHeader(k, h[k]);
          this.headersSent = true;
          return this;
        },
        write(c) {
          if (c !== undefined && c !== null) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
          this.headersSent = true;
          return true;
        },
        end(c) {
          if (typeof c !== 'function' && c !== undefined && c !== null) this.write(c);
          finish(run, this.statusCode, this._headers, Buffer.concat(chunks), 'webtask');
        },
        on() {
          return this;
        },
        once() {
          return this;
        },
      };
      fn(ctx, fakeReq, res);
    } else if (fn.length === 1) {
      fn(cb);
    } else {
      fn(ctx, cb);
    }
  } catch (err) {
    finish(
      run,
      500,
      { 'content-type': 'application/json' },
      errorBody(500, err, 'Script generated an unhandled synchronous exception.'),
      'webtask',
    );
  }
}

process.on('uncaughtException', (err) => {
  if (current)
    finish(
      current,
      500,
      { 'content-type': 'application/json' },
      errorBody(500, err, 'Script generated an unhandled asynchronous exception.'),
      'webtask',
    );
});
process.on('unhandledRejection', (err) => {
  if (current)
    finish(
      current,
      500,
      { 'content-type': 'application/json' },
      errorBody(500, err, 'Script generated an unhandled asynchronous exception.'),
      'webtask',
    );
});

parentPort.on('message', (msg) => {
  if (msg.type === 'run') {
    hostModules = new Set(msg.hostModules || []);
    runRequest(msg);
  } else if (msg.type === 'reply') {
    const p = pendingCalls.get(msg.callId);
    if (!p) return;
    pendingCalls.delete(msg.callId);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(Object.assign(new Error(msg.error && msg.error.message), msg.error || {}));
  } else if (msg.type === 'abandon') {
    // The main thread gave up on this run (it timed out elsewhere): forget it.
    if (current && current.id === msg.runId) current = null;
  }
});
