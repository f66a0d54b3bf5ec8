import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { RECORD_FILE_CAP_BYTES, RECORD_KEEP_FILES } from '../../../../common/logs-flow';
import { saveText } from '../../lib/save';
import type { TabSpec } from '../../shell/store';
import { useShell } from '../../shell/store';
import { call, errorOf, listen } from '../../api';
import { TailController, type TailSnapshot } from './controller';
import { containerColour, LEVELS, type Filter } from './format';
import { exposeForTests } from './probes';
import { acquireController, holdController, releaseController } from './registry';
import { XtermPane } from './terminal';
import { useProfiles } from '../profiles/store';
import { openWebtask } from '../webtasks/TenantTab';

export interface LogTabParams {
  /** The container, or a merged tab's label. */
  container: string;
  /** A merged tab: every container it tails. */
  containers?: string[];
  profileId?: string;
  filter?: Partial<Filter>;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n >= 10 * 1024 * 1024 ? 0 : 1)} MB`;

/** While a tail is recorded: lines and bytes written, where, and the cap (a new file per cap, the oldest deleted). */
function RecordIndicator({ r }: { r: NonNullable<TailSnapshot['record']> }) {
  if (!r.recording)
    return r.reason ? (
      <span className="warn" data-testid="logs-recording-stopped">
        recording stopped: {r.reason} ({fmt(r.lines)} lines written)
      </span>
    ) : null;
  const files = r.keepFiles + 1;
  return (
    <span
      className="logs-recording"
      data-testid="logs-recording"
      title={`Recording to ${r.path ?? ''}: a new file every ${mb(r.capBytes)}, at most ${files} files (${mb(r.capBytes * files)}); the oldest is deleted.`}
    >
      <span aria-hidden>●</span> REC {fmt(r.lines)} lines · {mb(r.bytes)} → {r.path}{' '}
      <span className="muted">
        ({mb(r.capBytes)} × {files}
        {r.files > 1 ? `, file ${fmt(r.files)}` : ''})
      </span>
    </span>
  );
}

type PaneController = TailController<XtermPane>;

/** The composition root of a tab: the controller with the real API, an xterm pane and animation frames. */
function makeController(p: LogTabParams): PaneController {
  // The pane's events reach the controller only after both exist (xterm raises none before `attach`).
  const pane = new XtermPane({
    onUserScrollUp: () => controller.pause(),
    onSearchResults: (r) => controller.store.update({ searchResults: r }),
    onRenderer: (renderer, note) => controller.store.update({ renderer, rendererNote: note }),
    isExtension: (name) => controller.extensions.has(name),
    openExtension: (name) =>
      openWebtask(p.profileId ?? useProfiles.getState().activeId ?? '', controller.extensionHome.get(name) ?? p.container, name),
  });
  const controller: PaneController = new TailController(
    p.container,
    p.profileId,
    p.filter ?? {},
    {
      api: { call, listen, errorMessage: (e) => errorOf(e).message },
      terminal: pane,
      frames: { request: (cb) => requestAnimationFrame(cb), cancel: (id) => cancelAnimationFrame(id) },
    },
    p.containers,
  );
  pane.onResize = () => controller.resized();
  exposeForTests(p.container, { text: () => pane.text(), snapshot: () => controller.getSnapshot(), cellOf: (n) => pane.cellOf(n) });
  return controller;
}

/** A merged tab: one chip per container (its colour, state, gaps, drops); click to show it alone, mute to hide its lines. */
function MemberChips({ c, s, now }: { c: PaneController; s: TailSnapshot; now: number }) {
  const members = s.status?.members;
  if (!members) return null;
  return (
    <div className="logs-chips" data-testid="logs-chips">
      {members.map((m) => {
        const solo = s.filter.container === m.container;
        const wait = m.state === 'reconnecting' && m.nextTryAt ? Math.max(0, Math.ceil((m.nextTryAt - now) / 1000)) : 0;
        const title = [
          `${m.container}: ${m.state}${wait ? ` (next try in ${wait} s)` : ''}`,
          m.reason,
          `${fmt(m.lines)} lines, ${fmt(m.linesPerSec)}/s`,
          m.gaps ? `${fmt(m.gaps)} gaps${m.missed ? `, ${fmt(m.missed)} missed` : ''}` : '',
          m.dropped ? `${fmt(m.dropped)} dropped: the pane was behind and this container's share of the queue was full` : '',
          m.muted ? `muted: ${fmt(m.mutedLines)} lines not shown` : '',
          solo ? 'Click to show every container again' : 'Click to show this container only',
        ]
          .filter(Boolean)
          .join('\n');
        return (
          <span
            key={m.container}
            className={`logs-chip${solo ? ' solo' : ''}${m.muted ? ' muted' : ''}`}
            data-testid="logs-chip"
            data-container={m.container}
            data-state={m.state}
          >
            <button className="link" onClick={() => c.solo(m.container)} title={title} aria-pressed={solo} data-testid="logs-chip-solo">
              <span className={`logs-dot ${m.state}`} aria-hidden />
              <span className="logs-chip-name" style={{ color: containerColour(m.container) }}>
                {m.container}
              </span>
              {m.state !== 'connected' && <span className="muted small"> {m.state}</span>}
              {m.gaps > 0 && (
                <span className="warn small" data-testid="logs-chip-gaps">
                  {' '}
                  {fmt(m.gaps)} gap{m.gaps === 1 ? '' : 's'}
                </span>
              )}
              {m.dropped > 0 && (
                <span className="warn small" data-testid="logs-chip-dropped">
                  {' '}
                  {fmt(m.dropped)} dropped
                </span>
              )}
              {m.muted && m.mutedLines > 0 && <span className="muted small"> {fmt(m.mutedLines)} muted</span>}
            </button>
            <button
              className="link small"
              onClick={() => c.mute(m.container, !m.muted)}
              title={m.muted ? `Show ${m.container}'s lines again` : `Mute ${m.container}: its lines are read but not shown`}
              aria-label={`${m.muted ? 'Unmute' : 'Mute'} ${m.container}`}
              aria-pressed={m.muted}
              data-testid="logs-chip-mute"
            >
              {m.muted ? 'unmute' : 'mute'}
            </button>
            {m.state === 'stopped' && (
              <button
                className="icon"
                onClick={() => c.retry(m.container)}
                title={`Reconnect ${m.container} now`}
                aria-label={`Retry ${m.container}`}
              >
                ↻
              </button>
            )}
          </span>
        );
      })}
    </div>
  );
}

function StatusLine({ c, s }: { c: PaneController; s: TailSnapshot }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(t);
  }, []);
  const st = s.status;
  let state = s.error ? 'error' : (st?.state ?? 'connecting');
  let detail = '';
  if (st?.state === 'reconnecting') {
    const wait = st.nextTryAt ? Math.max(0, Math.ceil((st.nextTryAt - now) / 1000)) : 0;
    detail = `attempt ${st.attempt}, next try ${wait > 0 ? `in ${wait} s` : 'now'}`;
  }
  if (st?.state === 'connected' && st.resume !== null) detail = st.resume ? 'resumable' : 'no resume offered';
  if (s.error) state = 'error';
  return (
    <>
      <MemberChips c={c} s={s} now={now} />
      <div className="logs-status" data-testid="logs-status" data-state={state}>
        <span className={`logs-dot ${state}`} aria-hidden />
        <span data-testid="logs-state">{state}</span>
        {detail && <span className="muted">({detail})</span>}
        <span data-testid="logs-rate">{fmt(st?.linesPerSec ?? 0)} lines/s</span>
        <span data-testid="logs-lines">{fmt(st?.lines ?? 0)} lines</span>
        <span className={st?.dropped ? 'warn' : 'muted'} data-testid="logs-dropped">
          {fmt(st?.dropped ?? 0)} dropped
        </span>
        <span className={st?.gaps ? 'warn' : 'muted'} data-testid="logs-gaps">
          {fmt(st?.gaps ?? 0)} gaps{st?.missed ? ` (${fmt(st.missed)} missed)` : ''}
        </span>
        {(st?.raw ?? 0) > 0 && <span className="muted">{fmt(st!.raw)} non-JSON</span>}
        {st?.backpressure && <span className="warn">pane behind: socket paused</span>}
        {s.record && <RecordIndicator r={s.record} />}
        <span className="muted" data-testid="logs-shown">
          {fmt(s.shown)} shown
        </span>
        <span className="muted small" title={s.rendererNote} data-testid="logs-renderer">
          {s.renderer === 'webgl' ? 'WebGL' : 'DOM'} renderer
        </span>
        {(s.error ?? st?.reason) && (
          <span className={st?.state === 'stopped' || s.error ? 'bad' : 'muted'} data-testid="logs-reason">
            {s.error ?? st?.reason}
          </span>
        )}
      </div>
    </>
  );
}

function Toolbar({ c, s, container }: { c: PaneController; s: TailSnapshot; container: string }) {
  const report = useShell((x) => x.report);
  const [query, setQuery] = useState('');
  const [text, setText] = useState(s.filter.text);
  useEffect(() => {
    // Typing filters after a short pause, not on every key (a redraw touches every kept line).
    const t = window.setTimeout(() => {
      if (text !== c.getSnapshot().filter.text) c.setFilter({ text });
    }, 250);
    return () => window.clearTimeout(t);
  }, [text, c]);
  const save = async () => {
    try {
      const buf = await c.bufferText();
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const r = await saveText(`logs-${container}-${stamp}.ndjson`, buf.text, 'application/x-ndjson');
      if (r !== 'cancelled')
        report(
          `Saved ${fmt(buf.lines)} lines${buf.oldestDropped ? ` (the ${fmt(buf.oldestDropped)} oldest were no longer kept)` : ''}.`,
          'info',
        );
    } catch (e) {
      report(e instanceof Error ? e.message : String(e));
    }
  };
  const record = async () => {
    try {
      if (s.record?.recording) {
        const r = await c.stopRecording();
        report(`Recorded ${fmt(r.lines)} lines (${mb(r.bytes)}) to ${r.path ?? 'the file'}.`, 'info');
        return;
      }
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      await c.startRecording(`logs-${container}-${stamp}.ndjson`);
    } catch (e) {
      report(e instanceof Error ? e.message : String(e));
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(c.copyText());
      report('Copied.', 'info');
    } catch {
      report('The clipboard refused the copy.');
    }
  };
  return (
    <div className="logs-toolbar">
      {s.following ? (
        <button onClick={() => c.pause()} data-testid="logs-pause" title="Stop following; lines keep arriving and wait">
          Pause
        </button>
      ) : (
        <button className="primary" onClick={() => c.follow()} data-testid="logs-follow" title="Write what waited and follow again">
          ↓ Follow{s.waiting ? ` (${fmt(s.waiting)} waiting)` : ''}
        </button>
      )}
      <label className="logs-field">
        Level
        <select value={s.filter.minLevel} onChange={(e) => c.setFilter({ minLevel: Number(e.target.value) })} data-testid="logs-level">
          <option value={0}>all</option>
          {LEVELS.map((l) => (
            <option key={l.value} value={l.value}>
              ≥ {l.label.trim().toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <input
        className={`logs-filter ${s.filterError ? 'invalid' : ''}`}
        placeholder={s.filter.regex ? 'filter (regex)' : 'filter text'}
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="logs-filter"
        title={s.filterError}
        aria-invalid={!!s.filterError}
      />
      <input
        className="logs-filter logs-extension"
        placeholder="extension"
        value={s.filter.extension}
        onChange={(e) => c.setFilter({ extension: e.target.value.trim().slice(0, 128) })}
        data-testid="logs-extension"
        title="Only lines this extension wrote (its exact name; click a name in the pane to open the extension)"
        aria-label="Extension"
      />
      <label className="logs-check">
        <input
          type="checkbox"
          checked={s.filter.regex}
          onChange={(e) => c.setFilter({ regex: e.target.checked })}
          data-testid="logs-regex"
        />
        regex
      </label>
      {s.filterError && (
        <span className="error small" role="alert" data-testid="logs-filter-error">
          {s.filterError}
        </span>
      )}
      <label className="logs-check" title="Only what the extension's own code printed (sandbox)">
        <input
          type="checkbox"
          checked={s.filter.sandboxOnly}
          onChange={(e) => c.setFilter({ sandboxOnly: e.target.checked })}
          data-testid="logs-sandbox"
        />
        extension output only
      </label>
      <span className="logs-sep" />
      <label className="logs-check">
        <input type="checkbox" checked={s.view.wrap} onChange={(e) => c.setView({ wrap: e.target.checked })} data-testid="logs-wrap" />
        wrap
      </label>
      <label className="logs-check" title="Show each record's JSON, pretty-printed">
        <input
          type="checkbox"
          checked={s.view.pretty}
          onChange={(e) => c.setView({ pretty: e.target.checked })}
          data-testid="logs-pretty"
        />
        JSON
      </label>
      <label className="logs-check">
        <input type="checkbox" checked={s.view.utc} onChange={(e) => c.setView({ utc: e.target.checked })} data-testid="logs-utc" />
        UTC
      </label>
      <span className="logs-sep" />
      <input
        className="logs-search"
        placeholder="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') c.find(query, e.shiftKey);
        }}
        data-testid="logs-search"
      />
      <button onClick={() => c.find(query, true)} aria-label="Previous match">
        ↑
      </button>
      <button onClick={() => c.find(query)} aria-label="Next match" data-testid="logs-search-next">
        ↓
      </button>
      {s.searchResults && (
        <span className="muted small" data-testid="logs-search-results">
          {!s.searchResults.count
            ? 'no match'
            : s.searchResults.index >= 0
              ? `${s.searchResults.index + 1}/${s.searchResults.count}`
              : `${fmt(s.searchResults.count)} ${s.searchResults.count === 1 ? 'match' : 'matches'}`}
        </span>
      )}
      <span className="logs-sep" />
      <button onClick={() => void copy()} title="Copy the selection, or every shown line">
        Copy
      </button>
      <button onClick={() => void save()} data-testid="logs-save" title="Save the kept lines, whole, as NDJSON">
        Save
      </button>
      <button
        className={s.record?.recording ? 'danger' : undefined}
        onClick={() => void record()}
        data-testid="logs-record"
        aria-pressed={!!s.record?.recording}
        title={
          s.record?.recording
            ? 'Stop recording'
            : `Record every line from now on to a file, as NDJSON (redacted, like Save), even while paused; a new file every ${mb(RECORD_FILE_CAP_BYTES)}, at most ${RECORD_KEEP_FILES + 1} files, the oldest deleted`
        }
      >
        {s.record?.recording ? '■ Stop recording' : '● Record'}
      </button>
      <button onClick={() => c.clear()} data-testid="logs-clear">
        Clear
      </button>
      {(s.status?.state === 'stopped' || s.status?.state === 'reconnecting') && (
        <button onClick={() => c.retry()} data-testid="logs-retry">
          Retry now
        </button>
      )}
    </div>
  );
}

export function LogTab({ tab }: { tab: TabSpec }) {
  const params = (tab.params ?? {}) as unknown as LogTabParams;
  // The tab's params never change for a given id.
  const [controller] = useState(() => acquireController(tab.id, () => makeController(params)) as PaneController);
  const paneRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    holdController(tab.id);
    return () => releaseController(tab.id);
  }, [tab.id]);

  useEffect(() => {
    const el = paneRef.current;
    if (!el) return;
    const pane = controller.terminal;
    pane.attach(el);
    const ro = new ResizeObserver(() => pane.refit());
    ro.observe(el);
    const onWheel = (e: WheelEvent) => {
      pane.noteUserIntent();
      if (e.deltaY < 0) controller.pause();
    };
    const onIntent = () => pane.noteUserIntent();
    el.addEventListener('wheel', onWheel, { passive: true });
    for (const type of ['mousedown', 'keydown', 'touchmove'] as const)
      el.addEventListener(type, onIntent, { passive: true, capture: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('wheel', onWheel);
      for (const type of ['mousedown', 'keydown', 'touchmove'] as const) el.removeEventListener(type, onIntent, { capture: true });
    };
  }, [controller]);

  const snap = useSyncExternalStore(
    (fn) => controller.subscribe(fn),
    () => controller.getSnapshot(),
  );

  return (
    <div className="logs-tab" data-testid={`logs-tab-${params.container}`} data-stream={snap.streamId ?? ''}>
      <Toolbar c={controller} s={snap} container={params.container} />
      <div className="logs-pane-wrap">
        <div className="logs-pane" ref={paneRef} data-testid="logs-pane" />
        {!snap.following && (
          <button className="logs-jump primary" onClick={() => controller.follow()} data-testid="logs-jump">
            ↓ Jump to bottom{snap.waiting ? ` · ${fmt(snap.waiting)} new` : ''}
          </button>
        )}
      </div>
      <StatusLine c={controller} s={snap} />
    </div>
  );
}
