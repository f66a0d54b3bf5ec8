// The diagnostics log's file: size cap with rotation, token fields dropped and strict redaction on
// every write, torn lines skipped; the CSV export's quoting.
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiagnosticsEntry, DiscoveryEntry, InvocationEntry } from '../../common/contract';
import { DiagnosticsLog } from '../../core/host/diagnostics-log';
import { matches, toCsv } from '../../core/host/features/diagnostics';
import { Redactor } from '../../core/util/redact';
import { tempDir } from '../helpers/host';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const inv = (i: number, over: Partial<InvocationEntry> = {}): InvocationEntry => ({
  kind: 'invocation',
  id: `id${i}`,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  profileId: 'p',
  profile: 'P',
  cluster: 'http://c',
  tenant: 't',
  extension: 'e',
  method: 'GET',
  path: '/',
  query: [],
  requestHeaders: [],
  withProfileToken: false,
  status: 200,
  elapsedMs: 3,
  diagnostics: { reading: 'r', problems: [] },
  response: { size: 1 },
  bodiesKept: false,
  curl: 'curl x',
  ...over,
});

function newLog(opts: { fileCapBytes?: number; keepFiles?: number } = {}) {
  const dir = tempDir('diag-unit-');
  dirs.push(dir);
  const redactor = new Redactor();
  return { dir, redactor, log: new DiagnosticsLog({ dir, redactor, ...opts }) };
}

describe('diagnostics log file', () => {
  it('rotates at the file cap, keeps N older files, drops the oldest; reads newest first', async () => {
    const { dir, log } = newLog({ fileCapBytes: 2048, keepFiles: 2 });
    for (let i = 0; i < 60; i++) await log.append(inv(i));
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['diagnostics.1.jsonl', 'diagnostics.2.jsonl', 'diagnostics.jsonl']);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2048);
    const info = await log.info();
    expect(info.usedBytes).toBeLessThanOrEqual(info.capBytes);
    expect(info.capBytes).toBe(3 * 2048);
    expect(info.statement).toBe(
      `Kept on this machine, at most 6 KB: the log starts a new file at 2 KB and keeps 2 older files; the oldest is deleted. Now ${Math.round(info.usedBytes / 1024)} KB.`,
    );
    const all = await log.read();
    expect(all[0]!.id).toBe('id59');
    expect(all.length).toBeLessThan(60);
    // What is kept is the newest, contiguous.
    expect(all.map((e) => e.id)).toEqual(Array.from({ length: all.length }, (_, k) => `id${59 - k}`));
  });

  it('drops every token field and anything token-shaped or known before the line reaches the disk', async () => {
    const { dir, log, redactor } = newLog();
    redactor.add('known-secret-value-123');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJ0ZW4iOiJ4In0.abcdefghijk';
    const d: DiscoveryEntry = {
      kind: 'discovery',
      id: 'd1',
      at: '2026-01-01T00:00:00.000Z',
      profileId: 'p',
      profile: 'P',
      cluster: 'http://c',
      status: 200,
      elapsedMs: 1,
      scope: 'tenants',
      auto: false,
      state: 'ok',
      found: 1,
      tenants: 1,
      pages: [
        {
          request: { method: 'GET', url: 'http://c/api/webtask?key=abcdefgh&limit=1', offset: 0, limit: 1 },
          status: 200,
          elapsedMs: 1,
          size: 9,
          items: 1,
          response: [
            {
              name: 'n',
              container: 'c',
              token: 'opaque-token-not-jwt-shaped',
              meta: { note: `see ${jwt}`, other: 'known-secret-value-123' },
            },
          ],
        },
      ],
    };
    await log.append(d);
    const text = readFileSync(join(dir, 'diagnostics.jsonl'), 'utf8');
    expect(text).not.toContain('opaque-token-not-jwt-shaped');
    expect(text).not.toContain('"token"');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('known-secret-value-123');
    expect(text).not.toContain('key=abcdefgh');
    expect(text).toContain('"name":"n"');
  });

  it('shrinks an entry larger than the file cap with the rule it is given; skips a torn line', async () => {
    const { dir, log } = newLog({ fileCapBytes: 4096 });
    const big = inv(1, { curl: 'x'.repeat(10_000) });
    await log.append(big, (e) => ({ ...(e as InvocationEntry), curl: 'shrunk' }));
    appendFileSync(join(dir, 'diagnostics.jsonl'), '{"kind":"invocation","id":"torn');
    const all = await log.read();
    expect(all).toHaveLength(1);
    expect((all[0] as InvocationEntry).curl).toBe('shrunk');
  });

  it('parses a line once: a second listing parses none again; an appended entry, a rotation and a rewrite are seen', async () => {
    const lineBytes = Buffer.byteLength(newLog().log.serialize(inv(10)));
    const { dir, log } = newLog({ fileCapBytes: 15 * lineBytes, keepFiles: 2 });
    const ids = (from: number) => Array.from({ length: from + 1 }, (_, k) => `id${from - k}`);
    for (let i = 0; i < 10; i++) await log.append(inv(i));
    expect((await log.read()).map((e) => e.id)).toEqual(ids(9));
    expect(log.linesParsed).toBe(10);
    expect((await log.read()).map((e) => e.id)).toEqual(ids(9));
    expect(log.linesParsed).toBe(10);

    await log.append(inv(10));
    expect((await log.read()).map((e) => e.id)).toEqual(ids(10));
    expect(log.linesParsed).toBe(11);

    // Past the cap the active file becomes diagnostics.1.jsonl, the same file under a new name:
    // only the lines written since the last listing are parsed.
    let n = 11;
    for (; n < 100 && !readdirSync(dir).includes('diagnostics.1.jsonl'); n++) await log.append(inv(n));
    await log.append(inv(n));
    expect(readdirSync(dir).sort()).toEqual(['diagnostics.1.jsonl', 'diagnostics.jsonl']);
    expect((await log.read()).map((e) => e.id)).toEqual(ids(n));
    expect(log.linesParsed).toBe(n + 1);
    await log.read();
    expect(log.linesParsed).toBe(n + 1);

    // A torn last line is skipped, and read again (not kept) until it is whole.
    const active = join(dir, 'diagnostics.jsonl');
    appendFileSync(active, '{"kind":"invocation","id":"torn');
    expect((await log.read()).map((e) => e.id)).toEqual(ids(n));
    // A file rewritten in place (shorter) is parsed anew, not from the old offset.
    writeFileSync(active, log.serialize(inv(1000)));
    const now = await log.read();
    expect(now[0]!.id).toBe('id1000');
    expect(now.filter((e) => e.id === 'id1000')).toHaveLength(1);
    // Cleared: nothing is served from the cache.
    await log.clear();
    expect(await log.read()).toEqual([]);
  });
});

describe('filters and CSV', () => {
  it('status classes, no answer, and sources (discoveries only match unscoped filters)', () => {
    const d = { kind: 'discovery', status: 403 } as unknown as DiagnosticsEntry;
    expect(matches(inv(1, { status: 503 }), { statusClass: '5xx' })).toBe(true);
    expect(matches(inv(1, { status: undefined }), { statusClass: 'none' })).toBe(true);
    expect(matches(inv(1), { source: 'none' })).toBe(true);
    expect(matches(inv(1, { diagnostics: { source: 'proxy', reading: '', problems: [] } }), { source: 'PROXY' })).toBe(true);
    expect(matches(d, { statusClass: '4xx' })).toBe(true);
    expect(matches(d, { tenant: 't' })).toBe(false);
  });

  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const csv = toCsv([inv(1, { path: '/a,b', error: { code: 'x', message: 'say "hi"\nthere' }, tenant: '=cmd()' })]);
    const [, row] = csv.split('\r\n');
    expect(row).toContain(',"/a,b",');
    expect(row).toContain(`"say ""hi""\nthere"`);
    expect(row).toContain(",'=cmd(),");
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
