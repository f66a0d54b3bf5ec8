// Loaded with `node --require` before electronegativity. It makes two online look-ups (translations and
// Electron's release list) through `got`; these machines have no network, and under Node 24 got's retry
// timer throws from p-cancelable and kills the process. This stand-in fails each look-up at once, which
// electronegativity handles as "no connectivity" (its own message), so the scan itself runs unchanged.
/* eslint-disable @typescript-eslint/no-require-imports -- loaded with `node --require`, so plain CommonJS by design */
const Module = require('node:module');
const offline = () => Promise.reject(Object.assign(new Error('offline: no network on this machine'), { code: 'ENETUNREACH' }));
const got = Object.assign(offline, { head: offline, get: offline, extend: () => got });
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'got') return got;
  return load.call(this, request, parent, isMain);
};
