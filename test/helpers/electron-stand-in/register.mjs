// `node --import ./register.mjs out/main/main.js`: every `import ... from 'electron'` in the bundle
// resolves to the recording stand-in next to this file (Node's module customization hooks).
import { register } from 'node:module';

register('./loader.mjs', import.meta.url);
