import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is a plain static bundle: Electron loads it from disk, the browser host serves it.
// base './' so the same files work from file:// / app:// and http://127.0.0.1.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  // Hosts replace this placeholder with a per-launch nonce, for the <style> elements xterm creates
  // (renderer/src/lib/csp-nonce.ts): a nonce, never 'unsafe-inline'.
  html: { cspNonce: 'CSPNONCEPLACEHOLDER' },
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    // No inline <script> or <style>: the CSP forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Loaded from disk or loopback, never over a network: one bundle (xterm, Prism, React) is fine.
    chunkSizeWarningLimit: 2000,
  },
});
