import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ExtensionSummary, MetaPair } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { useShell, type TabSpec } from '../../shell/store';
import { openExports } from '../exports';
import { openLogTab } from '../logs';
import { VirtualList } from './VirtualList';
import { MAX } from '../../lib/limits';

const PAGE = 100; // the protocol's default page size

interface Filters {
  name: string;
  meta: MetaPair[];
  auth0Only: boolean;
}

/** Opens an extension's view; with `line`, at its code, scrolled to that line and marked. */
export const openWebtask = (profileId: string, container: string, name: string, line?: number) =>
  useShell.getState().openTab({
    id: `webtask:${profileId}:${container}:${name}`,
    kind: 'webtask',
    title: `${container}/${name}`,
    params: { profileId, container, name, ...(line ? { line } : {}) },
  });

/** Parses "k:v" into a meta pair; the value may itself contain ":". */
function parsePair(s: string): MetaPair | null {
  const i = s.indexOf(':');
  if (i <= 0) return null;
  return { key: s.slice(0, i).trim(), value: s.slice(i + 1).trim() };
}

/** A container's extensions, loaded a protocol page at a time as the list scrolls. */
export function TenantTab({ tab }: { tab: TabSpec }) {
  const profileId = String(tab.params?.profileId ?? '');
  const container = String(tab.params?.container ?? '');
  const [filters, setFilters] = useState<Filters>({ name: '', meta: [], auth0Only: false });
  const [nameInput, setNameInput] = useState('');
  const [metaInput, setMetaInput] = useState('');
  const [metaError, setMetaError] = useState<string | null>(null);
  const [items, setItems] = useState<ExtensionSummary[]>([]);
  const [next, setNext] = useState(0);
  const [more, setMore] = useState(true);
  const [loading, setLoading] = useState(true);
  const [pages, setPages] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  // Each filter change starts a new generation; answers of an older one are dropped.
  const gen = useRef(0);
  const busy = useRef(false);

  // Only answers set state (in callbacks), so the effect below starts a load without cascading renders.
  const fetchPage = useCallback(
    (reset: boolean, f: Filters, offset: number) => {
      const my = reset ? ++gen.current : gen.current;
      busy.current = true;
      return call('webtasks.list', {
        profileId,
        container,
        offset,
        limit: PAGE,
        nameContains: f.name || undefined,
        meta: f.meta,
        auth0Only: f.auth0Only,
      }).then(
        (page) => {
          if (my !== gen.current) return;
          setItems((prev) => (reset ? page.items : [...prev, ...page.items]));
          setNext(page.nextOffset);
          setMore(page.mayBeMore);
          setPages((p) => (reset ? page.pagesRead : p + page.pagesRead));
          setError(null);
          busy.current = false;
          setLoading(false);
        },
        (e: unknown) => {
          if (my !== gen.current) return;
          setError(errorOf(e));
          busy.current = false;
          setLoading(false);
        },
      );
    },
    [profileId, container],
  );

  useEffect(() => {
    void fetchPage(true, filters, 0);
  }, [fetchPage, filters]);

  /** A filter change restarts the list from offset 0. */
  function changeFilters(fn: (f: Filters) => Filters) {
    setItems([]);
    setNext(0);
    setMore(true);
    setError(null);
    setLoading(true);
    setFilters(fn);
  }

  const loadMore = useCallback(() => {
    if (busy.current) return;
    setLoading(true);
    void fetchPage(false, filters, next);
  }, [fetchPage, filters, next]);

  const retry = () => {
    setLoading(true);
    void fetchPage(items.length === 0, filters, items.length === 0 ? 0 : next);
  };

  const onNearEnd = useCallback(() => {
    if (more && !busy.current && !error) loadMore();
  }, [more, error, loadMore]);

  // Name search follows typing after a short pause (each change restarts a scan of the container).
  useEffect(() => {
    const wanted = nameInput.trim();
    if (wanted === filters.name) return;
    const t = setTimeout(() => changeFilters((f) => ({ ...f, name: wanted })), 350);
    return () => clearTimeout(t);
  }, [nameInput, filters.name]);

  function addMeta() {
    const pair = parsePair(metaInput);
    if (!pair || !pair.key) {
      setMetaError('Write a meta filter as key:value, e.g. team:payments');
      return;
    }
    setMetaError(null);
    setMetaInput('');
    changeFilters((f) => ({ ...f, meta: [...f.meta.filter((m) => m.key !== pair.key || m.value !== pair.value), pair] }));
  }

  return (
    <div className="page ext-page" data-testid="tenant-view" data-container={container}>
      <div className="toolbar">
        <h1 className="mono">{container}</h1>
        <button onClick={() => openLogTab(container, { profileId })} data-testid="tenant-open-logs" title="Live-tail this container's logs">
          Live logs
        </button>
        <button onClick={() => openExports(profileId, container)} data-testid="tenant-open-exports" title="This tenant's log-export jobs">
          Exports
        </button>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            changeFilters((f) => ({ ...f, name: nameInput.trim() }));
          }}
        >
          <input
            placeholder="Name contains…"
            value={nameInput}
            onChange={(e) => setNameInput(e.target.value)}
            aria-label="Search extensions by name"
            maxLength={MAX.search}
            data-testid="ext-name-filter"
          />
        </form>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            addMeta();
          }}
        >
          <input
            placeholder="meta key:value"
            value={metaInput}
            onChange={(e) => setMetaInput(e.target.value)}
            aria-label="Add meta filter"
            maxLength={MAX.search * 2}
            data-testid="ext-meta-input"
            spellCheck={false}
          />
          <button type="submit">Add filter</button>
        </form>
        <label className="check">
          <input
            type="checkbox"
            checked={filters.auth0Only}
            onChange={(e) => changeFilters((f) => ({ ...f, auth0Only: e.target.checked }))}
            data-testid="ext-auth0-only"
          />
          Auth0 extensions only
        </label>
      </div>
      {metaError && <p className="error small">{metaError}</p>}
      {(filters.meta.length > 0 || filters.name) && (
        <div className="chips" data-testid="ext-filters">
          {filters.name && (
            <span className="chip">
              name ~ {filters.name}
              <button
                className="icon"
                aria-label="Remove name filter"
                onClick={() => (setNameInput(''), changeFilters((f) => ({ ...f, name: '' })))}
              >
                ×
              </button>
            </span>
          )}
          {filters.meta.map((m) => (
            <span className="chip mono" key={`${m.key}:${m.value}`} data-testid="meta-chip">
              {m.key}:{m.value}
              <button
                className="icon"
                aria-label={`Remove ${m.key}`}
                onClick={() => changeFilters((f) => ({ ...f, meta: f.meta.filter((x) => x !== m) }))}
              >
                ×
              </button>
            </span>
          ))}
          <span className="muted small">all must match</span>
        </div>
      )}
      <p className="muted small" data-testid="ext-status">
        {items.length} loaded{more ? ' · more on scroll' : ' · end of list'} · {pages} page{pages === 1 ? '' : 's'} read
        {loading ? ' · loading…' : ''}
      </p>
      {error && (
        <div className="error" role="alert" data-testid="ext-error">
          {error.message} <button onClick={retry}>Retry</button>
        </div>
      )}
      {!loading && !error && items.length === 0 && <p className="muted">No extension matches.</p>}
      <VirtualList
        items={items}
        rowHeight={30}
        testId="ext-list"
        className="ext-list"
        onNearEnd={onNearEnd}
        renderRow={(w) => (
          <button
            className="ext-row link"
            onClick={() => openWebtask(profileId, container, w.name)}
            data-testid="ext-row"
            data-name={w.name}
          >
            <span className="mono ext-name">{w.name}</span>
            <span className="ext-meta muted small">
              {Object.entries(w.meta ?? {})
                .slice(0, 6)
                .map(([k, v]) => `${k}:${v}`)
                .join('  ')}
            </span>
          </button>
        )}
      />
    </div>
  );
}
