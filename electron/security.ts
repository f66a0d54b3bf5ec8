// The window's hardening in one place, so the static check in test/unit/electron-security.test.ts reads one file.
import type { Session, WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;

export const NONCE_PLACEHOLDER = 'CSPNONCEPLACEHOLDER';

/** The nonce admits only the <style> elements our own renderer creates (xterm needs them). */
export const contentSecurityPolicy = (nonce: string) => [
  "default-src 'none'",
  // A nonce plus strict-dynamic rather than 'self': only the entry script the host stamped runs.
  `script-src 'nonce-${nonce}' 'strict-dynamic'`,
  `style-src 'self' 'nonce-${nonce}'`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');


/** Is this one of our own pages? (Node's URL gives custom schemes an opaque origin, so compare the parts.) */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'console' && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Is this IPC message from our own page's main frame? (VS Code's rule: check every sender.) */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return Boolean(frame && !frame.parent && isAppUrl(frame.url));
}

export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}

export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
