import { useState } from 'react';
import { call, errorOf } from '../../api';
import { useShell } from '../../shell/store';
import { useProfiles } from './store';

/**
 * Home: the local emulator the console started, explained: its URL, and its throwaway token or a
 * `wt init` command to copy, so a profile of one's own or the real wt CLI can be pointed at it.
 */
export function EmbeddedWidget() {
  const embedded = useShell((s) => s.info?.embedded);
  const report = useShell((s) => s.report);
  const profile = useProfiles((s) => s.profiles.find((p) => p.id === embedded?.profileId));
  const [copied, setCopied] = useState<string | null>(null);
  if (!embedded || !profile) return null;

  async function copy(what: 'token' | 'wtInit') {
    setCopied(null);
    try {
      const r = await call('profiles.copyEmbeddedToken', { what });
      // The browser host hands the text over (it has no clipboard of its own); Electron copied it already.
      if (!r.copied && r.text !== undefined) await navigator.clipboard.writeText(r.text);
      setCopied(what === 'token' ? 'Token copied.' : 'wt init command copied: paste it in a terminal.');
    } catch (e) {
      report(errorOf(e));
    }
  }

  return (
    <section className="embedded-widget" data-testid="embedded-cluster">
      <h2>Local emulator</h2>
      <p className="small">
        This console started a local webtask cluster at{' '}
        <span className="mono" data-testid="embedded-url">
          {embedded.url}
        </span>{' '}
        with demo tenants. Its master token is a throwaway one for this session, valid on this cluster only.
      </p>
      <div className="row">
        <button onClick={() => void copy('token')} data-testid="embedded-copy-token">
          Copy token
        </button>
        <button onClick={() => void copy('wtInit')} data-testid="embedded-copy-wt-init" title="wt init --url … --token … --container …">
          Copy <span className="mono">wt init</span> command
        </button>
        {copied && (
          <span className="muted small" role="status" data-testid="embedded-copied">
            {copied}
          </span>
        )}
      </div>
    </section>
  );
}
