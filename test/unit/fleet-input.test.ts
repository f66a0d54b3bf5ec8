// Bad input to the fleet channels is refused before any handler runs, with a message in words.
import { afterAll, describe, expect, it } from 'vitest';
import { callOk, makeHost, recordingSession } from '../helpers/host';

const { host, cleanup } = makeHost();
afterAll(cleanup);

async function refused(channel: string, input: unknown): Promise<{ code: string; message: string }> {
  const r = await host.call(channel, input, recordingSession(host).session);
  if (r.ok) throw new Error(`${channel} accepted ${JSON.stringify(input)}`);
  return r.error;
}

describe('fleet channels refuse bad input', () => {
  it('checks settings, concurrency, ids, queries and names', async () => {
    expect(await refused('fleet.saveSettings', { concurrency: 0, lagThresholdMin: 60 })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/Tenants at once: at least 1/),
    });
    expect((await refused('fleet.saveSettings', { concurrency: 8, lagThresholdMin: 1.5 })).message).toMatch(/whole number of minutes/);
    expect((await refused('fleet.scan', { concurrency: 500 })).message).toMatch(/at most 64/);
    expect((await refused('fleet.cancel', { id: 'ls-123' })).message).toMatch(/Invalid scan or search id/);
    expect((await refused('fleet.search', { query: { name: '' } })).message).toMatch(/at least one criterion/);
    expect((await refused('fleet.search', { query: { code: { pattern: '' } } })).message).toMatch(/Type something to search the code for/);
    expect((await refused('fleet.search', { query: { meta: [{ key: 'a:b', value: 'c' }] } })).message).toMatch(
      /meta key cannot contain ":"/,
    );
    expect((await refused('fleet.refreshRow', { container: '../etc' })).message).toMatch(/letters, digits/);
    expect((await refused('fleet.export', { what: 'everything', format: 'csv' })).code).toBe('invalid_input');
  });

  it('answers in words when there is nothing to act on', async () => {
    // No profile yet: a scan cannot start; settings have their defaults; cancelling an unknown id is a no.
    expect((await refused('fleet.scan', {})).message).toMatch(/No profile yet/);
    expect(await callOk(host, 'fleet.settings', {})).toEqual({ concurrency: 8, lagThresholdMin: 60 });
    expect(await callOk(host, 'fleet.cancel', { id: 'fs-abcdef12' })).toEqual({ cancelled: false });
    expect((await refused('fleet.export', { what: 'search', format: 'csv', searchId: 'fq-abcdef12' })).message).toMatch(
      /not available any more/,
    );
  });
});
