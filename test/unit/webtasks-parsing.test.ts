import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toLines } from '../../renderer/src/features/webtasks/highlight';
import { toCurl } from '../../core/webtask/curl';
import { parseDiagnostics } from '../../core/webtask/diagnostics';
import { countReplacements, decodeForDisplay, decodeJwtClaims } from '../../core/webtask/text';
import { readWtProfiles } from '../../core/webtask/wt-profiles';

describe('diagnostics headers', () => {
  it('reads each source in plain words and parses the stats', () => {
    const d = parseDiagnostics(
      {
        'X-WT-Response-Source': 'compiler',
        'x-auth0-proxy-stats': '{"proxy_host":"p1","req_id":"r9"}',
        'x-auth0-stats': '{"response":{"500":1},"time":3}',
      },
      500,
    );
    expect(d.source).toBe('compiler');
    expect(d.reading).toMatch(/could not compile/);
    expect(d.proxyStats).toEqual({ proxy_host: 'p1', req_id: 'r9' });
    expect(d.stats).toEqual({ response: { '500': 1 }, time: 3 });
    expect(d.reqId).toBe('r9');
    expect(parseDiagnostics({ 'x-wt-response-source': 'proxy' }, 429).reading).toMatch(/proxy answered/);
    expect(parseDiagnostics({ 'x-wt-response-source': 'network' }, 502).reading).toMatch(/network between the proxy and the sandbox/);
    expect(parseDiagnostics({ 'x-wt-response-source': 'webtask' }, 500).reading).toMatch(/own code.*reported an error/);
  });

  it('says what is missing or malformed instead of failing', () => {
    expect(parseDiagnostics({}, 200).reading).toMatch(/no x-wt-response-source header/);
    expect(parseDiagnostics({}, undefined).reading).toMatch(/No response arrived/);
    const bad = parseDiagnostics({ 'x-wt-response-source': 'webtask', 'x-auth0-stats': 'not json', 'x-auth0-proxy-stats': '[1]' }, 200);
    expect(bad.problems).toEqual(['x-auth0-proxy-stats is not a JSON object: [1]', 'x-auth0-stats is not JSON: not json']);
    expect(parseDiagnostics({ 'x-wt-response-source': 'mystery' }, 200).reading).toBe('Unknown response source "mystery"');
  });
});

describe('copy as curl', () => {
  it('uses $WT_TOKEN for the profile token and quotes everything else for the shell', () => {
    const c = toCurl({
      method: 'POST',
      url: "http://h/api/run/c/n?q=it's",
      headers: [{ name: 'x-a', value: "b'c" }],
      body: '{"a":1}',
      withProfileToken: true,
    });
    expect(c).toBe(
      `curl -sS -i -X POST -H 'x-a: b'\\''c' -H "Authorization: Bearer $WT_TOKEN" --data-binary '{"a":1}' 'http://h/api/run/c/n?q=it'\\''s'`,
    );
    expect(toCurl({ method: 'GET', url: 'http://h/x', headers: [], withProfileToken: false })).toBe(`curl -sS -i 'http://h/x'`);
  });
});

describe('text and claims', () => {
  it('flags bytes that are not UTF-8 and counts the replacements', () => {
    const r = decodeForDisplay(Buffer.from([0x61, 0xff, 0x62, 0xc3]));
    expect(r.notUtf8).toBe(true);
    expect(countReplacements(r.text)).toBe(2);
    expect(decodeForDisplay(Buffer.from('café', 'utf8'))).toEqual({ text: 'café', notUtf8: false });
  });
  it('decodes JWT claims without verifying, and refuses anything else', () => {
    const payload = Buffer.from(JSON.stringify({ ten: 'acme', jtn: 'x' })).toString('base64url');
    expect(decodeJwtClaims(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`)).toEqual({ ten: 'acme', jtn: 'x' });
    expect(decodeJwtClaims('opaque-token')).toBeUndefined();
    expect(decodeJwtClaims('a.!!!.c')).toBeUndefined();
  });
});

describe('code viewer tokens', () => {
  it('splits highlighted code into lines of text pieces; markup in the code stays text', () => {
    const code = "// <img src=x onerror=alert(1)>\nconst s = '<script>x</script>';\nmodule.exports = 1;";
    const lines = toLines(code);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.map((p) => p.text).join(''))).toEqual(code.split('\n'));
    expect(lines[0]![0]).toEqual({ type: 'comment', text: '// <img src=x onerror=alert(1)>' });
    expect(lines[1]!.some((p) => p.type === 'keyword' && p.text === 'const')).toBe(true);
  });
});

describe('~/.webtask parsing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wt-parse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('checks every entry and names each problem without quoting the token', async () => {
    const entries = await readWtProfiles(
      write(
        'ok',
        JSON.stringify({
          a: { url: 'https://x.example', token: 'tok-1234567890', container: 'c1' },
          b: { url: 'https://u:p@x', token: 'has space', container: 'bad/name' },
          c: 'str',
        }),
      ),
    );
    expect(entries[0]).toMatchObject({ name: 'a', container: 'c1', token: 'tok-1234567890' });
    expect(entries[0]!.problem).toBeUndefined();
    expect(entries[1]!.problem).toBe(
      'url holds credentials, container name has characters the platform does not accept, token is not a printable ASCII string',
    );
    expect(entries[1]!.problem).not.toContain('has space');
    expect(entries[2]!.problem).toMatch(/not an object/);
  });

  it('rejects missing, empty, non-JSON and wrongly shaped files with clear messages', async () => {
    await expect(readWtProfiles(join(dir, 'absent'))).rejects.toThrow(/No wt CLI profiles file/);
    await expect(readWtProfiles(dir)).rejects.toThrow(/is a folder/);
    await expect(readWtProfiles(write('empty', '{}'))).rejects.toThrow(/holds no profiles/);
    await expect(readWtProfiles(write('nojson', 'token=abc'))).rejects.toThrow(/is not JSON/);
    await expect(readWtProfiles(write('arr', '[]'))).rejects.toThrow(/not an object of profiles/);
  });
});
