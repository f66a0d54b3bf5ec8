// Preloaded (NODE_OPTIONS=--require) into electronegativity for the test: tests use no network but
// loopback, and electronegativity fetches translations and Electron's release list with `got`. Offline,
// got's request fails at once and, on Node 24, its old p-cancelable then throws instead of rejecting.
// This `got` rejects cleanly, so the tool takes its own documented offline path ("No connectivity?").
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature
const Module = require('node:module');

const offline = () => Promise.reject(new Error('offline: the test suite uses no network'));
offline.head = offline;
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'got' ? offline : load.call(this, request, ...rest);
};
