// The stats header under both of its names: `s-auth0-stats` (the monitoring guide) and `x-auth0-stats` (clusters).
import { describe, expect, it } from 'vitest';
import { parseDiagnostics } from '../../core/webtask/diagnostics';

describe('stats header names', () => {
  it('reads s-auth0-stats and x-auth0-stats and says which one came', () => {
    const s = parseDiagnostics({ 'x-wt-response-source': 'webtask', 'S-Auth0-Stats': '{"time":4}' }, 200);
    expect(s).toMatchObject({ stats: { time: 4 }, statsHeader: 's-auth0-stats' });
    const x = parseDiagnostics({ 'x-wt-response-source': 'webtask', 'x-auth0-stats': '{"time":5}' }, 200);
    expect(x).toMatchObject({ stats: { time: 5 }, statsHeader: 'x-auth0-stats' });
    expect(parseDiagnostics({ 'x-wt-response-source': 'webtask' }, 200).statsHeader).toBeUndefined();
  });

  it("prefers the guide's name when both come, and says so when they differ", () => {
    const same = parseDiagnostics({ 's-auth0-stats': '{"time":1}', 'x-auth0-stats': '{"time":1}' }, 200);
    expect(same).toMatchObject({ statsHeader: 's-auth0-stats', problems: [] });
    const differ = parseDiagnostics({ 's-auth0-stats': '{"time":1}', 'x-auth0-stats': '{"time":2}' }, 200);
    expect(differ.stats).toEqual({ time: 1 });
    expect(differ.problems).toEqual(['s-auth0-stats and x-auth0-stats both came and differ: showing s-auth0-stats']);
  });

  it('names the header that is not JSON', () => {
    expect(parseDiagnostics({ 's-auth0-stats': 'nope' }, 200).problems).toEqual(['s-auth0-stats is not JSON: nope']);
  });
});
