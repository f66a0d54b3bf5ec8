import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runPath, runSubPath } from '../../core/webtask/api';

describe('the run path of an invocation', () => {
  it('keeps ordinary paths, encoding what needs it', () => {
    expect(runSubPath('')).toBe('');
    expect(runSubPath('/')).toBe('/');
    expect(runSubPath('/users/1')).toBe('/users/1');
    expect(runSubPath('/x:y@z/caf%C3%A9/')).toBe('/x:y@z/caf%C3%A9/');
    expect(runSubPath('/100%25')).toBe('/100%25');
    expect(runSubPath('/bad%zz')).toBe('/bad%25zz');
    expect(runPath('acme prod', 'counter', '/a')).toBe('/api/run/acme%20prod/counter/a');
  });

  it.each([
    ['/..', 'dot segment'],
    ['/.', 'dot segment'],
    ['/%2e%2e/%2e%2e/%2e%2e/webtask/acme-prod/delete-me', 'dot segment'],
    ['/%2E%2E', 'dot segment'],
    ['/.%2e', 'dot segment'],
    ['/%252e%252e', 'dot segment'],
    ['/%25252e%25252e', 'dot segment'],
    ['/a%2fb', '"/"'],
    ['/a%252fb', '"/"'],
    ['/a%5cb', '"/"'],
    ['/a\\b', 'backslash'],
    ['/a%00b', 'NUL'],
    ['/a%0d%0aX-Injected: 1', 'NUL or another control character'],
    ['/a%E0%A4%A', 'malformed'],
    ['/%2525252525252e', 'encoded more than'],
    ['relative', 'start with "/"'],
  ])('refuses %s', (path, why) => {
    expect(() => runSubPath(path)).toThrow(why);
  });

  it('never yields a URL whose path leaves /api/run/{container}/{name}', () => {
    const base = 'http://127.0.0.1:1';
    const seg = fc
      .array(fc.constantFrom('.', '..', '%2e', '%2E', '%25', '%2f', '%5c', '\\', '/', 'a', '%', '2e', '25', 'f'), { maxLength: 8 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 6 }), (segs) => {
        const path = `/${segs.join('/')}`;
        let built: string;
        try {
          built = runPath('c', 'n', path);
        } catch {
          return true;
        }
        const url = new URL(base + built);
        return url.pathname === '/api/run/c/n' || url.pathname.startsWith('/api/run/c/n/');
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});
