// The window's hardening in one place, so the static check in test/unit/electron-security.test.ts reads one file.
import type { Session, WebContents } from 'electron';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;

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
