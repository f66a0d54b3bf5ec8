/**
 * The page's Content-Security-Policy, one builder for both hosts: Electron's app:// handler and the
 * browser host's static server differ only in where the page may connect.
 */

/** What the build stamps into index.html (vite.config.ts `html.cspNonce`); each host swaps in its per-launch nonce. */
export const NONCE_PLACEHOLDER = 'CSPNONCEPLACEHOLDER';

export interface CspOptions {
  nonce: string;
  /** Sources for connect-src: none under Electron (IPC is not a connection), the host's own WebSocket in a browser. */
  connect: readonly string[];
}

export function contentSecurityPolicy({ nonce, connect }: CspOptions): string {
  return [
    "default-src 'none'",
    // A nonce plus strict-dynamic rather than 'self': only the entry script the host stamped runs.
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    // The nonce admits only the <style> elements our own renderer creates (xterm needs them).
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.length ? connect.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
