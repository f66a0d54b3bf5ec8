import { describe, expect, it } from 'vitest';
import { Redactor } from '../../core/util/redact';

describe('Redactor', () => {
  const token = 'wt-master-0123456789abcdef';
  it('replaces a known token anywhere, including URL-encoded', () => {
    const r = new Redactor();
    r.add(token);
    r.add('a+b/c=d-longer-token');
    expect(r.known(`Bearer ${token} and ?key=${token}`)).toBe('Bearer [redacted] and ?key=[redacted]');
    expect(r.known(`key=${encodeURIComponent('a+b/c=d-longer-token')}`)).toBe('key=[redacted]');
  });

  it('scrubs token-shaped text in strict mode', () => {
    const r = new Redactor();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJ0ZW4iOiJ4In0.c2lnbmF0dXJl';
    expect(r.strict(`token ${jwt} end`)).toBe('token [redacted] end');
    expect(r.strict('Authorization: Bearer abcdef123456')).toBe('Authorization: Bearer [redacted]');
    expect(r.strict('GET /api/logs/tenant/x?key=secret123&a=1')).toBe('GET /api/logs/tenant/x?key=[redacted]&a=1');
  });

  it('walks nested values without touching non-strings', () => {
    const r = new Redactor();
    r.add(token);
    const out = r.deep({ a: [token, 1, { b: `x${token}` }], n: null, ok: true });
    expect(out).toEqual({ a: ['[redacted]', 1, { b: 'x[redacted]' }], n: null, ok: true });
  });

  it('ignores very short secrets (too many false hits) and forgets on clear', () => {
    const r = new Redactor();
    r.add('abc');
    expect(r.known('abc')).toBe('abc');
    r.add(token);
    r.clear();
    expect(r.known(token)).toBe(token);
  });
});

describe('Redactor: pieces left by a cut, and cut()', () => {
  const token = 'tok-9f8e7d6c5b4a39281706';
  const r = new Redactor();
  r.add(token);

  it('counts a head of 8+ characters at a cut boundary as the token', () => {
    expect(r.known(`x ${token.slice(0, 8)}`)).toBe('x [redacted]');
    expect(r.known(`x ${token.slice(0, 15)}…`)).toBe('x [redacted]…');
    expect(r.known(`{"m":"${token.slice(0, 12)}"}`)).toBe('{"m":"[redacted]"}');
    // A tail that starts the text (a window that begins inside the token) too.
    expect(r.known(`${token.slice(-10)} rest`)).toBe('[redacted] rest');
    // Shorter pieces, and a shared head that goes on differently, are not the token.
    expect(r.known(`x ${token.slice(0, 7)}`)).toBe(`x ${token.slice(0, 7)}`);
    expect(r.known(`x ${token.slice(0, 10)}ZZZZ`)).toBe(`x ${token.slice(0, 10)}ZZZZ`);
  });

  it('knows the base64 forms of a token', () => {
    const b64 = Buffer.from(token).toString('base64');
    expect(r.known(`Basic ${b64}`)).toBe('Basic [redacted]');
    expect(r.known(`data ${Buffer.from(token).toString('base64url')} end`)).toBe('data [redacted] end');
  });

  it('cut() redacts first, then cuts, and scrubs a head left at the new end', () => {
    const text = `${'a'.repeat(100)}${token}${'b'.repeat(50)}`;
    for (let max = 95; max < 140; max++) {
      const out = r.cut(text, max);
      for (let i = 0; i + 8 <= token.length; i++) expect(out.includes(token.slice(i, i + 8)), `max ${max}`).toBe(false);
      expect(out.length).toBeLessThanOrEqual(max + 10);
    }
    // A text cut elsewhere first (bytes before decoding) still loses the head at its end.
    expect(r.cut(`${'a'.repeat(10)}${token.slice(0, 14)}`, 1000)).toBe(`${'a'.repeat(10)}[redacted]`);
    expect(r.cut('short', 100)).toBe('short');
    expect(r.cut(`Authorization: Bearer ${'z'.repeat(40)}`, 30, 'strict')).not.toContain('zzzzzz');
  });
});

describe('Redactor: pieces only of token-shaped secrets', () => {
  it('leaves an ordinary value that is the head of a URL-shaped secret alone', () => {
    const r = new Redactor();
    r.add('http://127.0.0.1:4123/dest/logstash/acme-prod');
    expect(r.known('http://127.0.0.1:4123')).toBe('http://127.0.0.1:4123');
    expect(r.known('at http://127.0.0.1:4123/dest/logstash/acme-prod.')).toBe('at [redacted].');
  });

  it('leaves an ordinary word that is the head of a readable secret alone (the embedded profile "local-emulator")', () => {
    const r = new Redactor();
    r.add('emulator-demo-secret-key/0001');
    expect(r.known('local-emulator')).toBe('local-emulator');
    expect(r.known('Local emulator')).toBe('Local emulator');
    expect(r.known('key emulator-demo-secret-key/0001.')).toBe('key [redacted].');
    // A piece that is not a plain word is still one: the tail "key/0001".
    expect(r.known('x secret-key/0001')).toBe('x [redacted]');
  });
});
