/**
 * The wt CLI's profiles file (`~/.webtask`: JSON `{ NAME: { url, token, container } }`, plaintext tokens).
 * Read only: the console never writes or deletes it.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../util/errors';
import { WebtaskClient } from './client';

export interface WtProfileEntry {
  name: string;
  url?: string;
  container?: string;
  /** Stays in the core: only the vault receives it. */
  token?: string;
  problem?: string;
}

export const defaultWtProfilePath = (): string => join(homedir(), '.webtask');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks one entry as the import will need it; the problem is plain words, never quoting the token. */
function checkEntry(name: string, v: unknown): WtProfileEntry {
  if (!isObject(v)) return { name, problem: 'not an object { url, token, container }' };
  const url = typeof v.url === 'string' ? v.url.trim() : undefined;
  const container = typeof v.container === 'string' ? v.container.trim() : undefined;
  const token = typeof v.token === 'string' ? v.token.trim() : undefined;
  const entry: WtProfileEntry = { name, url, container, token };
  const problems: string[] = [];
  if (!url) problems.push('no url');
  else {
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('url is not http(s)');
      else if (u.username || u.password) problems.push('url holds credentials');
    } catch {
      problems.push('url is not a URL');
    }
  }
  if (!container) problems.push('no container');
  else if (!/^[A-Za-z0-9_.-]+$/.test(container)) problems.push('container name has characters the platform does not accept');
  if (!token) problems.push('no token');
  else if (!/^[\x21-\x7e]+$/.test(token) || token.length > 16_384) problems.push('token is not a printable ASCII string');
  if (problems.length) entry.problem = problems.join(', ');
  return entry;
}

/** Reads and checks the file; a missing, unreadable, non-JSON or wrongly shaped file is a clear HostError. */
export async function readWtProfiles(path = defaultWtProfilePath()): Promise<WtProfileEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new HostError('not_found', `No wt CLI profiles file at ${path}: run \`wt init\` first, or choose another file.`);
    if (code === 'EISDIR') throw new HostError('invalid_input', `${path} is a folder, not the wt CLI profiles file.`);
    if (code === 'EACCES' || code === 'EPERM') throw new HostError('forbidden', `${path} cannot be read by this user (permission denied).`);
    throw new HostError('internal', `${path} cannot be read (${code ?? 'unknown error'}).`);
  }
  if (text.length > 4 * 1024 * 1024) throw new HostError('too_large', `${path} is larger than any wt CLI profiles file (over 4 MB).`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, and the file holds tokens: say where, not what.
    throw new HostError('bad_response', `${path} is not JSON: the wt CLI writes { "NAME": { "url", "token", "container" } }.`);
  }
  if (!isObject(parsed))
    throw new HostError('bad_response', `${path} is JSON but not an object of profiles { "NAME": { "url", "token", "container" } }.`);
  const entries = Object.entries(parsed).map(([name, v]) => checkEntry(name, v));
  if (entries.length === 0) throw new HostError('not_found', `${path} holds no profiles.`);
  return entries;
}

export const tokenKindOf = (token: string | undefined): 'v1' | 'v2' | 'none' => (token ? WebtaskClient.tokenKind(token) : 'none');
