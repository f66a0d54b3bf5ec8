import { useEffect, useMemo, useState } from 'react';
import { MAX_MERGED_CONTAINERS, type Profile } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useTenants } from '../tenants/store';
import { openMergedLogTab } from './open';
import { globToRegExp } from './pattern';

/**
 * "Open merged logs": one tab over several containers, chosen from the tenants list (tick them, or take
 * the pinned ones), by a name pattern over that list, or every container where an extension runs (the
 * cross-container list discovery reads). A merged tab tails at most 50: past that the first 50 are
 * opened, and the form says so before and after.
 */
export function MergedOpen({ profile }: { profile: Profile }) {
  const { byProfile, load } = useTenants();
  const list = byProfile[profile.id];
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [pattern, setPattern] = useState('');
  const [extension, setExtension] = useState('');
  const [running, setRunning] = useState<{ extension: string; containers: string[]; complete: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    if (!list && profile.hasToken) void load(profile.id);
  }, [list, profile.id, profile.hasToken, load]);

  const names = useMemo(() => (list?.tenants ?? []).map((t) => t.name), [list]);
  const byPattern = useMemo(() => {
    const p = pattern.trim();
    if (!p) return [];
    const rx = globToRegExp(p);
    return names.filter((n) => rx.test(n));
  }, [names, pattern]);
  const chosen = useMemo(
    () => [...new Set([...picked, ...byPattern, ...(running?.containers ?? [])])].sort(),
    [picked, byPattern, running],
  );
  const over = chosen.length > MAX_MERGED_CONTAINERS;

  const toggle = (name: string, on: boolean) =>
    setPicked((s) => {
      const next = new Set(s);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });

  const findRunning = async () => {
    const ext = extension.trim();
    if (!ext) return;
    setBusy(true);
    setMessage(null);
    try {
      const r = await call('logs.containersWith', { profileId: profile.id, extension: ext });
      setRunning({ extension: ext, containers: r.containers, complete: r.complete });
    } catch (e) {
      setMessage(errorOf(e).message);
    } finally {
      setBusy(false);
    }
  };

  const open = () => {
    if (chosen.length === 0) return;
    const take = chosen.slice(0, MAX_MERGED_CONTAINERS);
    openMergedLogTab(take, { profileId: profile.id });
    setMessage(
      over
        ? `Opened ${take.length} of ${chosen.length} containers: a merged tab tails at most ${MAX_MERGED_CONTAINERS} (each is a connection to the cluster and a share of one tail's queue). The rest: ${chosen.slice(MAX_MERGED_CONTAINERS, MAX_MERGED_CONTAINERS + 3).join(', ')}${chosen.length > MAX_MERGED_CONTAINERS + 3 ? '…' : ''}.`
        : null,
    );
  };

  return (
    <details className="logs-merged" data-testid="logs-merged">
      <summary>Open merged logs…</summary>
      <div className="logs-merged-body">
        <input
          placeholder="name pattern, e.g. acme-*"
          value={pattern}
          onChange={(e) => setPattern(e.target.value)}
          aria-label="Containers matching a name pattern"
          maxLength={256}
          spellCheck={false}
          data-testid="logs-merged-pattern"
        />
        <div className="row">
          <input
            placeholder="containers running extension…"
            value={extension}
            onChange={(e) => setExtension(e.target.value)}
            aria-label="Containers where this extension runs"
            maxLength={512}
            spellCheck={false}
            data-testid="logs-merged-extension"
          />
          <button onClick={() => void findRunning()} disabled={busy || !extension.trim()} data-testid="logs-merged-find">
            Find
          </button>
        </div>
        {running && (
          <p className="small muted" data-testid="logs-merged-running">
            {running.extension} runs in {running.containers.length} container{running.containers.length === 1 ? '' : 's'}
            {running.complete ? '' : ' (the cross-container list was cut short: there may be more)'}.
          </p>
        )}
        <div className="row small">
          <span className="grow muted">Tenants</span>
          <button
            className="link"
            onClick={() => setPicked(new Set((list?.tenants ?? []).filter((t) => t.pinned).map((t) => t.name)))}
            data-testid="logs-merged-pinned"
          >
            pinned
          </button>
          <button className="link" onClick={() => setPicked(new Set())}>
            none
          </button>
        </div>
        <ul className="list logs-merged-list">
          {names.map((n) => (
            <li key={n}>
              <label className="logs-check">
                <input
                  type="checkbox"
                  checked={picked.has(n) || byPattern.includes(n) || (running?.containers.includes(n) ?? false)}
                  disabled={byPattern.includes(n) || (running?.containers.includes(n) ?? false)}
                  onChange={(e) => toggle(n, e.target.checked)}
                  data-testid="logs-merged-pick"
                  data-tenant={n}
                />
                {n}
              </label>
            </li>
          ))}
          {names.length === 0 && <li className="muted small">No tenants yet: add or discover them in Tenants.</li>}
        </ul>
        {over && (
          <p className="small warn" data-testid="logs-merged-cap">
            {chosen.length} chosen: a merged tab tails at most {MAX_MERGED_CONTAINERS}; the first {MAX_MERGED_CONTAINERS} by name will be
            opened.
          </p>
        )}
        <button className="primary" onClick={open} disabled={chosen.length === 0} data-testid="logs-merged-open">
          Open merged ({Math.min(chosen.length, MAX_MERGED_CONTAINERS)})
        </button>
        {message && (
          <p className="small warn" role="status" data-testid="logs-merged-message">
            {message}
          </p>
        )}
      </div>
    </details>
  );
}
