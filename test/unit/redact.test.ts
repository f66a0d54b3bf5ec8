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
