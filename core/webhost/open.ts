/**
 * Opening the console in a browser without putting the launch secret on a command line, where any
 * local user could read it in the process list. As Jupyter does (`*-open.html`): the URL with its
 * secret goes into a file only this user can read (0600, in a fresh 0700 directory), and the browser
 * is given the file's path, which holds nothing secret.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface OpenFile {
  path: string;
  /** Removes the file and its directory (on exit: the secret dies with the host anyway). */
  remove(): void;
}

export function writeOpenFile(launchUrl: string, dir: string = tmpdir()): OpenFile {
  // mkdtemp creates the directory 0700; the file is created 0600 and never existed with wider rights.
  const folder = mkdtempSync(join(dir, 'esc-open-'));
  const path = join(folder, 'console-open.html');
  const href = escapeHtml(launchUrl);
  writeFileSync(
    path,
    [
      '<!DOCTYPE html>',
      '<html><head><meta charset="utf-8">',
      `<meta http-equiv="refresh" content="0;url=${href}">`,
      '<meta name="referrer" content="no-referrer">',
      '<title>Extend Support Console</title></head>',
      `<body><p>Opening the console. If nothing happens, <a href="${href}">open it here</a>.</p></body></html>`,
      '',
    ].join('\n'),
    { mode: 0o600, flag: 'wx' },
  );
  return { path, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/**
 * The command that opens a file in the user's browser: `$BROWSER` when set (the convention Python's
 * webbrowser and many CLIs follow; `%s` stands for the target, else it is appended), else the platform's opener.
 */
export function openerCommand(
  target: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): { cmd: string; args: string[] } {
  const browser = env.BROWSER?.trim();
  if (browser) {
    const [cmd = browser, ...rest] = browser.split(/\s+/);
    return { cmd, args: rest.some((a) => a.includes('%s')) ? rest.map((a) => a.replaceAll('%s', target)) : [...rest, target] };
  }
  if (platform === 'darwin') return { cmd: 'open', args: [target] };
  if (platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '', target] };
  return { cmd: 'xdg-open', args: [target] };
}

/** Opens the console through an 0600 redirect file; returns the file so the host can remove it on exit. */
export function openConsoleInBrowser(launchUrl: string, onError: (message: string) => void): OpenFile {
  const file = writeOpenFile(launchUrl);
  const { cmd, args } = openerCommand(process.platform === 'win32' ? file.path : pathToFileURL(file.path).href);
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => onError(`Could not open a browser (${cmd}); open the URL above yourself.`));
  child.unref();
  return file;
}
