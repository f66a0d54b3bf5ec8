import { useState, type FormEvent } from 'react';
import type { ApiError, ConnectionTest, Profile, ProfileColour } from '../../../../common/contract';
import { call, CallError, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { ConnectionResult } from './ConnectionResult';
import { TabLookFields } from './TabLookFields';
import { useProfiles } from './store';
import { MAX } from '../../lib/limits';

interface Props {
  profile?: Profile;
  onDone?: (p: Profile) => void;
  onCancel?: () => void;
}

/** Create or edit a profile. The token field is write-only: it is sent once and cleared, never read back. */
export function ProfileForm({ profile, onDone, onCancel }: Props) {
  const save = useProfiles((s) => s.save);
  const vault = useShell((s) => s.info?.vault);
  const [name, setName] = useState(profile?.name ?? '');
  const [url, setUrl] = useState(profile?.url ?? '');
  const [container, setContainer] = useState(profile?.container ?? 'master');
  const [token, setToken] = useState('');
  const [colour, setColour] = useState(profile?.colour);
  const [label, setLabel] = useState(profile?.label ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [test, setTest] = useState<ConnectionTest | null>(null);
  /** The URL moved to another origin without a token: the core removed the stored one; ask for it. */
  const [dropped, setDropped] = useState<string | null>(null);

  async function submit(e: FormEvent | null, tokenStorage?: 'persistent' | 'session') {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await save({
        id: profile?.id,
        name,
        url,
        container,
        token: token || undefined,
        tokenStorage,
        ...(colour ? { colour: colour as ProfileColour } : {}),
        label,
      });
      setToken('');
      setConfirm(null);
      setDropped(saved.tokenDropped ?? null);
      if (!saved.tokenDropped) onDone?.(saved);
    } catch (err) {
      if (err instanceof CallError && err.code === 'needs_confirmation') setConfirm(err.message);
      else setError(errorOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function runTest() {
    setBusy(true);
    setError(null);
    setTest(null);
    try {
      const result = token
        ? await call('profiles.test', { url, container, token })
        : profile
          ? await call('profiles.test', { id: profile.id })
          : null;
      if (!result) setError({ code: 'invalid_input', message: 'Enter the token to test a new profile.' });
      else setTest(result);
    } catch (err) {
      setError(errorOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="profile-form" autoComplete="off">
      <label>
        Name
        <input
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="Production (EU)"
          required
          maxLength={MAX.profileName}
        />
      </label>
      <label>
        Cluster URL
        <input
          name="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://sandbox.example.com"
          required
          maxLength={MAX.url}
          spellCheck={false}
        />
      </label>
      <label>
        Default container
        <input
          name="container"
          value={container}
          onChange={(e) => setContainer(e.target.value)}
          required
          maxLength={MAX.containerName}
          spellCheck={false}
        />
      </label>
      <label>
        Master token{profile?.hasToken && !dropped ? ' (leave empty to keep the stored one)' : ''}
        <input
          name="token"
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoComplete="new-password"
          maxLength={MAX.token}
          spellCheck={false}
          required={!profile || Boolean(dropped)}
          placeholder={profile?.hasToken ? '•••••••• stored' : ''}
          autoFocus={Boolean(dropped)}
        />
      </label>
      {dropped && (
        <p className="hint warn" role="alert" data-testid="token-dropped">
          {dropped}
        </p>
      )}
      <TabLookFields colour={colour} label={label} name={name} setColour={setColour} setLabel={setLabel} />
      {vault?.warning && <p className="hint warn">{vault.warning}</p>}
      {confirm && (
        <div className="confirm" role="alertdialog" data-testid="vault-confirm">
          <p>{confirm}</p>
          <button type="button" onClick={() => void submit(null, 'session')}>
            Keep for this session only
          </button>
          <button type="button" className="danger" onClick={() => void submit(null, 'persistent')}>
            Store anyway (weak protection)
          </button>
        </div>
      )}
      {error && (
        <div className="error" role="alert" data-testid="form-error">
          {error.message}
        </div>
      )}
      {test && <ConnectionResult result={test} />}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {profile ? 'Save' : 'Create profile'}
        </button>
        <button type="button" onClick={() => void runTest()} disabled={busy}>
          Test connection
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
