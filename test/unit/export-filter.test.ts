import { describe, expect, it } from 'vitest';
import { LogFilter } from '../../core/export/filter';
import { LOG_TYPES } from '../../core/export/log-types';

describe('LOG_TYPES / LOG_LEVEL filter', () => {
  it('loads the whole types table', () => {
    expect(LOG_TYPES.size).toBe(98);
    expect(LOG_TYPES.get('fp')).toMatchObject({ name: 'Failed Login (wrong password)', level: 3 });
    expect(LOG_TYPES.get('api_limit')?.level).toBe(4);
  });

  it('passes everything when neither setting is given', () => {
    const f = new LogFilter({ types: [], level: null });
    expect(['s', 'fp', 'whatever'].map((t) => f.passes(t))).toEqual([true, true, true]);
  });

  it('is a union: a listed type passes below the level, and any type at or above the level passes', () => {
    const f = new LogFilter({ types: ['s'], level: 3 });
    expect(f.passes('s')).toBe(true); // level 1, but listed
    expect(f.passes('fp')).toBe(true); // level 3
    expect(f.passes('limit_wc')).toBe(true); // level 4
    expect(f.passes('ssa')).toBe(false); // level 1, not listed
    expect(f.passes('w')).toBe(false); // level 2
  });

  it('applies a type list alone, or a level alone', () => {
    const types = new LogFilter({ types: ['fp', 'f'], level: null });
    expect([types.passes('fp'), types.passes('limit_wc')]).toEqual([true, false]);
    const level = new LogFilter({ types: [], level: 2 });
    expect([level.passes('w'), level.passes('s')]).toEqual([true, false]);
  });

  it('counts unknown codes; an unknown code never passes LOG_LEVEL', () => {
    const f = new LogFilter({ types: [], level: 0 });
    expect(f.passes('brand_new_type')).toBe(false);
    expect(f.passes('brand_new_type')).toBe(false);
    expect(f.passes(undefined)).toBe(false);
    expect(f.passes('s')).toBe(true);
    expect(f.unknownTypesRecord()).toEqual({ brand_new_type: 2, '(none)': 1 });
    const open = new LogFilter({ types: [], level: null });
    expect(open.passes('brand_new_type')).toBe(true);
    expect(open.unknownTypesRecord()).toEqual({ brand_new_type: 1 });
  });
});
