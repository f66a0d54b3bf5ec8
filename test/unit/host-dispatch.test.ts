import { afterEach, describe, expect, it } from 'vitest';
import { makeHost, recordingSession } from '../helpers/host';

describe('the handler table', () => {
  const made: Array<() => void> = [];
  afterEach(() => made.splice(0).forEach((f) => f()));
  const host = () => {
    const h = makeHost();
    made.push(h.cleanup);
    return h.host;
  };

  it('refuses an unknown channel with a typed error', async () => {
    const h = host();
    const r = await h.call('profiles.drop', {}, recordingSession(h).session);
    expect(r).toEqual({ ok: false, error: { code: 'unknown_channel', message: 'Unknown channel "profiles.drop".' } });
  });

  it('refuses invalid input with the field and the fix, and changes nothing', async () => {
    const h = host();
    const { session } = recordingSession(h);
    const r = await h.call('profiles.save', { name: 'x', url: 'ftp://nope', container: 'bad name!', token: 'tok-123456789' }, session);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.message).toContain('url: Cluster URL must be an http(s) URL');
    expect(r.error.message).toContain('container: Invalid name: container names start with a letter');
    const list = await h.call('profiles.list', {}, session);
    expect(list).toEqual({ ok: true, data: { profiles: [], activeId: null } });
  });

  it('never returns the token, and redacts it from errors', async () => {
    const h = host();
    const { session } = recordingSession(h);
    const token = 'super-secret-master-token-42';
    const saved = await h.call('profiles.save', { name: 'Prod', url: 'http://127.0.0.1:1', container: 'master', token }, session);
    expect(saved.ok).toBe(true);
    expect(JSON.stringify(saved)).not.toContain(token);
    const bad = await h.call('profiles.save', { name: token, url: 'http://127.0.0.1:1', container: 'c' }, session);
    expect(JSON.stringify(bad)).not.toContain(token);
    expect(JSON.stringify(await h.call('profiles.list', {}, session))).not.toContain(token);
  });

  it('stores audit entries without tokens', async () => {
    const h = host();
    const { session } = recordingSession(h);
    const token = 'another-secret-token-99';
    await h.call('profiles.save', { name: 'Prod', url: 'http://127.0.0.1:1', container: 'master', token }, session);
    const audit = await h.call('audit.list', { limit: 10 }, session);
    expect(audit.ok && audit.data.entries[0]?.action).toBe('profile.create');
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('reports an unreachable cluster clearly', async () => {
    const h = host();
    const r = await h.call('profiles.test', { url: 'http://127.0.0.1:1', container: 'master', token: 'tok-123456789' }, recordingSession(h).session);
    expect(r).toMatchObject({ ok: true, data: { outcome: 'unreachable', message: expect.stringContaining('connection refused') } });
  });

  it('lock drops tokens from memory and the redactor; unlock lets stored ones be used again', async () => {
    const h = host();
    const { session } = recordingSession(h);
    await h.call('profiles.save', { name: 'Prod', url: 'http://127.0.0.1:1', container: 'master', token: 'lock-test-token-123' }, session);
    const locked = await h.call('app.lock', {}, session);
    expect(locked).toMatchObject({ ok: true, data: { backend: 'session' } });
    const list = await h.call('profiles.list', {}, session);
    expect(list.ok && list.data.profiles[0]?.hasToken).toBe(false);
    const test = await h.call('profiles.test', { id: list.ok ? list.data.profiles[0]!.id : '' }, session);
    expect(test).toMatchObject({ ok: true, data: { outcome: 'no_token' } });
    const audit = await h.call('audit.list', { action: 'app.lock', limit: 5 }, session);
    expect(audit.ok && audit.data.total).toBe(1);
  });
});
