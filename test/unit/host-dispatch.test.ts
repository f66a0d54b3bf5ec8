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

  it('refuses a channel that is no string without touching it (a hostile toString never runs)', async () => {
    const h = host();
    const { session } = recordingSession(h);
    const hostile = {
      toString: 1,
      valueOf: () => {
        throw new Error('touched');
      },
    };
    const r = await h.call(hostile, {}, session);
    expect(r).toEqual({ ok: false, error: { code: 'unknown_channel', message: 'Unknown channel (a value of type object, not a name).' } });
    expect((await h.call(null, {}, session)).ok).toBe(false);
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
    const r = await h.call(
      'profiles.test',
      { url: 'http://127.0.0.1:1', container: 'master', token: 'tok-123456789' },
      recordingSession(h).session,
    );
    expect(r).toMatchObject({ ok: true, data: { outcome: 'unreachable', message: expect.stringContaining('connection refused') } });
  });

  it('lock refuses token calls with `locked`, keeps the redactor, and unlock names the session-only profiles to enter again', async () => {
    const h = host();
    const { session, events } = recordingSession(h);
    const token = 'lock-test-token-123';
    await h.call('profiles.save', { name: 'Prod', url: 'http://127.0.0.1:1', container: 'master', token }, session);
    const locked = await h.call('app.lock', {}, session);
    expect(locked).toMatchObject({ ok: true, data: { backend: 'locked', closedFlows: 0 } });
    expect(events.filter((e) => e.topic === 'app.vault').map((e) => (e.payload as { backend: string }).backend)).toEqual(['locked']);
    const info = await h.call('app.info', {}, session);
    expect(info.ok && info.data.vault.backend).toBe('locked');
    const list = await h.call('profiles.list', {}, session);
    expect(list.ok && list.data.profiles[0]?.hasToken).toBe(false);
    const id = list.ok ? list.data.profiles[0]!.id : '';
    const test = await h.call('profiles.test', { id }, session);
    expect(test).toMatchObject({ ok: false, error: { code: 'locked' } });
    const store = await h.call(
      'profiles.save',
      { id, name: 'Prod', url: 'http://127.0.0.1:1', container: 'master', token: 'another-token-456' },
      session,
    );
    expect(store).toMatchObject({ ok: false, error: { code: 'locked' } });
    // The redactor still knows the token: a late line quoting it is scrubbed.
    expect(h.deps.redactor.known(`late line ${token}`)).toBe('late line [redacted]');
    const unlocked = await h.call('app.unlock', {}, session);
    expect(unlocked).toMatchObject({
      ok: true,
      data: {
        backend: 'session',
        needToken: [{ profileId: id, name: 'Prod', message: expect.stringContaining('kept for this session only') }],
      },
    });
    const audit = await h.call('audit.list', { action: 'app.lock', limit: 5 }, session);
    expect(audit.ok && audit.data.total).toBe(1);
  });
});
