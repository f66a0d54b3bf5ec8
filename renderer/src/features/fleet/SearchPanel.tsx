import { useState, type FormEvent } from 'react';
import type { HitLine, Input, MetaPair } from '../../../../common/contract';
import { call, errorOf } from '../../api';
import { saveText } from '../../lib/save';
import { useShell } from '../../shell/store';
import { openWebtask } from '../webtasks/TenantTab';
import { ProgressLine } from './FleetTab';
import { useFleet } from './store';

/** A line with its matched ranges marked. */
function Marked({ l }: { l: HitLine }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  l.ranges.forEach(([s, e], i) => {
    if (s > at) parts.push(l.text.slice(at, s));
    parts.push(<mark key={i}>{l.text.slice(s, e)}</mark>);
    at = Math.max(at, e);
  });
  parts.push(l.text.slice(at));
  return <>{parts}</>;
}

function parseMeta(text: string): MetaPair[] | string {
  const pairs: MetaPair[] = [];
  for (const part of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const i = part.indexOf(':');
    if (i <= 0) return `"${part}" is not key:value`;
    pairs.push({ key: part.slice(0, i).trim(), value: part.slice(i + 1).trim() });
  }
  return pairs;
}

/** Search every tenant: name, meta (AND), Auth0 extension, code (text or RE2 regex). */
export function SearchPanel() {
  const { search, cancel, searchId, searchProgress, hits, searchSummary, profileId } = useFleet();
  const report = useShell((x) => x.report);
  const [name, setName] = useState('');
  const [meta, setMeta] = useState('');
  const [auth0, setAuth0] = useState('');
  const [code, setCode] = useState('');
  const [regex, setRegex] = useState(false);
  const [cs, setCs] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const running = searchProgress?.state === 'running' || (searchId !== null && searchProgress === null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const pairs = parseMeta(meta);
    if (typeof pairs === 'string') return setProblem(`Meta: ${pairs} (e.g. team:payments, tier:gold).`);
    const query: Input<'fleet.search'>['query'] = {
      ...(name.trim() ? { name: name.trim() } : {}),
      meta: pairs,
      auth0: auth0.trim() === '' ? false : auth0.trim() === '*' ? true : auth0.trim(),
      ...(code ? { code: { pattern: code, regex, caseSensitive: cs } } : {}),
    };
    if (!query.name && !pairs.length && query.auth0 === false && !query.code) return setProblem('Give at least one criterion.');
    setProblem(null);
    void search(query);
  }

  async function exportHits(format: 'csv' | 'json') {
    if (!searchId || !profileId) return;
    try {
      const r = await call('fleet.export', { profileId, what: 'search', format, searchId });
      const out = await saveText(r.fileName, r.text, r.mime);
      if (out !== 'cancelled') report(`${r.fileName} ${out}.`, 'info');
    } catch (e) {
      report(errorOf(e));
    }
  }

  const withHits = hits.filter((t) => t.hits.length || t.state === 'failed');
  return (
    <div className="fleet-search">
      <form className="row fleet-search-form" onSubmit={submit}>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="name contains" data-testid="fleet-search-name" />
        <input
          value={meta}
          onChange={(e) => setMeta(e.target.value)}
          placeholder="meta key:value, key:value"
          data-testid="fleet-search-meta"
        />
        <input
          value={auth0}
          onChange={(e) => setAuth0(e.target.value)}
          placeholder="Auth0 extension (* = any)"
          data-testid="fleet-search-auth0"
        />
        <input
          className="mono grow"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          placeholder={regex ? 'code regex (RE2)' : 'code contains'}
          data-testid="fleet-search-code"
        />
        <label className="check">
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} data-testid="fleet-search-regex" /> regex
        </label>
        <label className="check">
          <input type="checkbox" checked={cs} onChange={(e) => setCs(e.target.checked)} /> case
        </label>
        <button type="submit" disabled={running} data-testid="fleet-search-go">
          Search
        </button>
        {running && (
          <button type="button" onClick={() => void cancel(searchId)} data-testid="fleet-search-cancel">
            Cancel
          </button>
        )}
      </form>
      {problem && <div className="error">{problem}</div>}
      <ProgressLine p={searchProgress} testId="fleet-search-progress" />
      {searchSummary && (
        <div className="row" data-testid="fleet-search-summary" data-extensions={searchSummary.extensions}>
          <span className="small">
            {searchSummary.extensions.toLocaleString()} extensions in {withHits.filter((t) => t.hits.length).length} tenants ·{' '}
            {searchSummary.scanned.toLocaleString()} read
            {searchSummary.truncated ? ' · only the first 5,000 are listed' : ''}
          </span>
          <button onClick={() => void exportHits('csv')}>CSV</button>
          <button onClick={() => void exportHits('json')}>JSON</button>
        </div>
      )}
      <div className="fleet-hits" data-testid="fleet-hits">
        {withHits.map((t) => (
          <section key={t.container} className="fleet-hit-tenant" data-testid="fleet-hit-tenant" data-tenant={t.container}>
            <h3 className="mono">
              {t.container}{' '}
              <span className="muted small">
                {t.hits.length} extension{t.hits.length === 1 ? '' : 's'}
              </span>
            </h3>
            {t.state === 'failed' && <p className="bad-text small">{t.problem}</p>}
            {t.hits.map((h) => (
              <div key={h.name} className="fleet-hit" data-testid="fleet-hit" data-name={h.name}>
                <button className="link mono" onClick={() => profileId && openWebtask(profileId, t.container, h.name, h.lines[0]?.line)}>
                  {h.name}
                </button>
                {h.lines.map((l) => (
                  <button
                    key={l.line}
                    className="fleet-hit-line mono"
                    onClick={() => profileId && openWebtask(profileId, t.container, h.name, l.line)}
                    data-testid="fleet-hit-line"
                    data-line={l.line}
                  >
                    <span className="ln">{l.line}</span>
                    <span className="code-text">
                      <Marked l={l} />
                    </span>
                  </button>
                ))}
                {h.moreLines > 0 && <span className="muted small">… {h.moreLines} more matching lines</span>}
              </div>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
