// Unit tests of the emulator's pieces: tokens, tenant matching, fault rules, cron parsing, paging.
import { describe, expect, it } from 'vitest';
import { TokenService, TokenError, coversContainer } from '../../emulator/tokens';
import { Faults, validateFaultRule } from '../../emulator/faults';
import { nextRun, validateSchedule, Clock } from '../../emulator/cron';
import { ApiError, metaFilter, paging, matchesMeta, stringMap } from '../../emulator/http';
import { LogHub } from '../../emulator/logs';
import { Container, type WebtaskRecord } from '../../emulator/store';

const header = (t: string): Record<string, unknown> => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString());

describe('tokens', () => {
  const svc = new TokenService('master-token-xyz');

  it('v2 tokens are JWTs with typ JWT; webtask tokens have no typ; v1 tokens are opaque', () => {
    const v2 = svc.issue({ ten: 'a' }, 'v2');
    expect(header(v2)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(svc.verify(v2)).toMatchObject({ kind: 'v2', claims: { ten: 'a' } });
    const wt = svc.webtaskToken({ ten: 'a', jtn: 'n' });
    expect(header(wt)).toEqual({ alg: 'HS256' });
    expect(svc.verify(wt).kind).toBe('webtask');
    const v1 = svc.issue({ ten: 'a' }, 'v1');
    expect(v1.split('.')).toHaveLength(2);
    expect(svc.verify(v1)).toMatchObject({ kind: 'v1', claims: { ten: 'a' } });
    expect(svc.verify('master-token-xyz').kind).toBe('master');
  });

  it('rejects unknown, tampered, expired and not-yet-valid tokens', () => {
    expect(() => svc.verify('nope')).toThrow(TokenError);
    const t = svc.issue({ ten: 'a' });
    const [h, , s] = t.split('.');
    expect(() => svc.verify(`${h}.${Buffer.from('{"ten":"b"}').toString('base64url')}.${s}`)).toThrow(/signature/);
    expect(() => svc.verify(new TokenService('other-master').issue({ ten: 'a' }))).toThrow(/signature/);
    expect(() => svc.verify(svc.issue({ ten: 'a', exp: 1 }))).toThrow('expired JWT token');
    expect(() => svc.verify(svc.issue({ ten: 'a', exp: 1 }, 'v1'))).toThrow('expired JWT token');
    expect(() => svc.verify(svc.issue({ ten: 'a', nbf: Date.now() / 1000 + 3600 }))).toThrow(/not yet valid/);
  });

  it('revokes opaque tokens but never the master token', () => {
    const v1 = svc.issue({ ten: 'a' }, 'v1');
    expect(svc.revoke(v1)).toBe(true);
    expect(() => svc.verify(v1)).toThrow(TokenError);
    expect(svc.revoke('master-token-xyz')).toBe(false);
  });

  it('matches ten as a name, a list or an anchored /regex/', () => {
    expect(coversContainer({ ten: 'a' }, 'a')).toBe(true);
    expect(coversContainer({ ten: 'a' }, 'ab')).toBe(false);
    expect(coversContainer({ ten: ['x', 'a'] }, 'a')).toBe(true);
    expect(coversContainer({ ten: '/acme-.*/' }, 'acme-prod')).toBe(true);
    expect(coversContainer({ ten: '/acme-.*/' }, 'xacme-prod')).toBe(false);
    expect(coversContainer({ ten: '/(/' }, 'x')).toBe(false);
  });
});

describe('fault rules', () => {
  it('validates with messages that name the field', () => {
    expect(() => validateFaultRule({ status: 700 })).toThrow(/status must be a number between 100 and 599/);
    expect(() => validateFaultRule({ drop: 'sometimes' })).toThrow(/drop must be/);
    expect(() => validateFaultRule({ rate: 2, status: 500 })).toThrow(/rate must be a number between 0 and 1/);
    expect(() => validateFaultRule({ path: '/x' })).toThrow(/at least one effect/);
    expect(() => validateFaultRule('x')).toThrow(ApiError);
    expect(validateFaultRule({ method: 'get', path: '/a', status: 503, count: 2 })).toEqual({
      method: 'GET',
      path: '/a',
      status: 503,
      count: 2,
    });
  });

  it('lists, removes and clears', () => {
    const f = new Faults();
    const a = f.add({ path: '/a', status: 500 });
    f.add({ path: '/b', latencyMs: 5 });
    expect(f.list().map((r) => r.path)).toEqual(['/a', '/b']);
    expect(f.remove(a.id)).toBe(true);
    expect(f.remove(a.id)).toBe(false);
    f.clear();
    expect(f.list()).toEqual([]);
  });
});

describe('cron', () => {
  it('validates schedules and time zones', () => {
    expect(validateSchedule(' */5  * * * * ', undefined)).toEqual({ schedule: '*/5 * * * *', tz: 'UTC' });
    expect(() => validateSchedule('* * *', 'UTC')).toThrow(/5 fields/);
    expect(() => validateSchedule('* * * * *', 'Nowhere/City')).toThrow(/IANA/);
    expect(() => validateSchedule(5, 'UTC')).toThrow(/schedule is required/);
  });

  it('computes the next run in the job time zone', () => {
    const after = Date.parse('2026-01-15T12:00:00Z');
    expect(new Date(nextRun('0 9 * * *', 'UTC', after)).toISOString()).toBe('2026-01-16T09:00:00.000Z');
    expect(new Date(nextRun('0 9 * * *', 'America/New_York', after)).toISOString()).toBe('2026-01-15T14:00:00.000Z');
  });

  it('an accelerated clock runs faster than the wall clock', async () => {
    const c = new Clock(1000);
    const a = c.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(c.now() - a).toBeGreaterThanOrEqual(15_000);
  });
});

describe('http helpers', () => {
  const u = (q: string) => new URL(`http://x/?${q}`);
  it('pages, filters and checks maps', () => {
    expect(paging(u(''))).toEqual({ offset: 0, limit: 100 });
    expect(paging(u('offset=5&limit=7'))).toEqual({ offset: 5, limit: 7 });
    expect(() => paging(u('limit=5000'))).toThrow(/limit must be between 1 and 1000/);
    expect(() => paging(u('offset=1.5'))).toThrow(/offset must be a non-negative integer/);
    expect(metaFilter(u('meta=a:b&meta=c:d:e'))).toEqual([
      ['a', 'b'],
      ['c', 'd:e'],
    ]);
    expect(
      matchesMeta({ a: 'b', c: 'd:e' }, [
        ['a', 'b'],
        ['c', 'd:e'],
      ]),
    ).toBe(true);
    expect(
      matchesMeta({ a: 'b' }, [
        ['a', 'b'],
        ['c', 'd'],
      ]),
    ).toBe(false);
    expect(matchesMeta(undefined, [])).toBe(true);
    expect(() => stringMap({ a: 1 }, 'secrets')).toThrow('secrets.a must be a string');
  });
});

describe('log hub', () => {
  it('keeps a bounded window of records with increasing ids', () => {
    const hub = new LogHub({ bufferSize: 3, pingMs: 1000, maxStreamMs: 1000, maxBufferedBytes: 1024 });
    const ids = [1, 2, 3, 4, 5].map((i) => hub.emit('c', { msg: `m${i}` }));
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(hub.emit('other', { msg: 'x' })).toBe(1);
    expect(hub.emitted).toBe(6);
    hub.setResume('c', false);
    expect(hub.resumeEnabled('c')).toBe(false);
    expect(hub.subscriberCount('c')).toBe(0);
  });
});

describe('container listing', () => {
  const rec = (name: string): WebtaskRecord => ({ container: 'c', name, secrets: {}, claims: {}, created_at: '', updated_at: '' });

  it('serves pages from a sorted index built once, rebuilt only after a change', () => {
    const c = new Container('c');
    for (const n of ['b', 'c', 'a']) c.put(rec(n));
    const index = c.list();
    expect(index.map((w) => w.name)).toEqual(['a', 'b', 'c']);
    // Paging 10,000 items asks for the list once per page: the same array, not a new sort.
    expect(c.list()).toBe(index);
    c.put(rec('aa'));
    expect(c.list()).not.toBe(index);
    expect(c.list().map((w) => w.name)).toEqual(['a', 'aa', 'b', 'c']);
    const after = c.list();
    expect(c.remove('nope')).toBe(false);
    expect(c.list()).toBe(after);
    expect(c.remove('b')).toBe(true);
    expect(c.list().map((w) => w.name)).toEqual(['a', 'aa', 'c']);
  });
});
