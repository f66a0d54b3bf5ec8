// Handlers of common/contract/fleet.ts: the fleet scan and search (engines in core/fleet), their
// cancel, the cached last scan, a one-row refresh, settings and CSV/JSON export. Every running scan
// or search is a tracked flow (lock stops it) and belongs to the session that started it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_FLEET_SETTINGS,
  FleetSettings,
  LastScan,
  type FleetRow,
  type SearchQuery,
  type TenantHits,
} from '../../../common/contract/fleet';
import {
  compileCodeMatcher,
  FleetWire,
  RateGate,
  scanCsv,
  scanFleet,
  scanTenant,
  searchCsv,
  searchFleet,
  toJson,
  type ProgressReport,
} from '../../fleet';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import type { HostDeps, Session } from '../deps';
import { exportNames } from '../exports/jobs';
import { clientFor } from '../tokens';
import { writeFileAtomic } from '../stores';
import { defineHandlers, type CallContext } from '../types';

const SETTINGS_KEY = 'fleet.settings';
const readSettings = (deps: HostDeps): FleetSettings => {
  const parsed = FleetSettings.safeParse(deps.settings.get(SETTINGS_KEY, DEFAULT_FLEET_SETTINGS));
  return parsed.success ? parsed.data : DEFAULT_FLEET_SETTINGS;
};

interface Running {
  sessionId: string;
  abort: AbortController;
  /** Why it was stopped, when not by its own cancel (lock, window closed). */
  reason?: string;
  /** Untracks the flow and forgets the job. */
  end(): void;
}
const running = new Map<string, Running>();

/** Finished searches, per session (the newest few), for export. */
const searches = new Map<string, { sessionId: string; profileId: string; query: SearchQuery; tenants: TenantHits[] }>();
const KEEP_SEARCHES = 5;

/** Tuning for tests and benches (rate-limit backoff); the defaults are the product's. */
export const fleetTuning: { gate: ConstructorParameters<typeof RateGate>[0] } = { gate: {} };

export const runningFleetJobs = (): number => running.size;

/** A path segment from a validated id, never "." or "..". */
const seg = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');
const cacheFile = (deps: HostDeps, profileId: string) => join(deps.dataDir, 'fleet', seg(profileId), 'last-scan.json');

async function readLastScan(deps: HostDeps, profileId: string): Promise<LastScan | null> {
  try {
    const parsed = LastScan.safeParse(JSON.parse(await readFile(cacheFile(deps, profileId), 'utf8')));
    return parsed.success && parsed.data.profileId === profileId ? parsed.data : null;
  } catch {
    return null;
  }
}

function writeLastScan(deps: HostDeps, scan: LastScan): void {
  // writeFileAtomic redacts like every write of the core: rows name no secret, and must never hold one.
  writeFileAtomic(cacheFile(deps, scan.profileId), JSON.stringify(scan), deps.redactor);
}

/** Starts a long job: tracked as a flow, stopped with its session, cancellable by id. */
function startJob(ctx: CallContext, id: string, label: string): Running {
  const abort = new AbortController();
  const job: Running = {
    sessionId: ctx.session.id,
    abort,
    end: () => {
      untrack();
      running.delete(id);
    },
  };
  const untrack = ctx.deps.flows.track({
    label,
    close: (reason) => {
      job.reason = reason;
      abort.abort();
    },
  });
  running.set(id, job);
  ctx.session.onClose(() => {
    job.reason ??= 'The window was closed.';
    abort.abort();
  });
  return job;
}

/**
 * Progress events of a job. The final one is held back until the host has stored the result (cache,
 * search for export), so whoever sees "done" can use it at once.
 */
function progressEmitter(session: Session, id: string, kind: 'scan' | 'search', job: Running) {
  let final: ProgressReport | undefined;
  const send = (p: ProgressReport) => {
    const message = p.state === 'cancelled' && job.reason ? `${job.reason} ${p.message ?? ''}`.trim() : p.message;
    session.emit('fleet.progress', { ...p, id, kind, ...(message ? { message } : {}) });
  };
  return {
    onProgress: (p: ProgressReport) => {
      if (p.state === 'running') send(p);
      else final = p;
    },
    flush: () => {
      if (final) send(final);
    },
  };
}

/**
 * The end of a scan or a search: `stored` keeps the result (cache, search done) before the audit
 * entry; whatever happens, the job ends and its final progress goes out after that.
 */
function endJob<R extends { progress: ProgressReport }>(
  ctx: CallContext,
  run: Promise<R>,
  end: {
    action: 'fleet.scan.end' | 'fleet.search.end';
    profile: string;
    id: { scanId: string } | { searchId: string };
    job: Running;
    progress: { flush(): void };
    stored(res: R): Record<string, unknown>;
  },
): void {
  void run
    .then(async (res) => {
      const detail = end.stored(res);
      await audit(ctx, {
        action: end.action,
        profile: end.profile,
        outcome: res.progress.state === 'failed' ? 'error' : 'ok',
        detail: { ...end.id, state: res.progress.state, ...detail, ...(end.job.reason ? { stoppedBecause: end.job.reason } : {}) },
      });
    })
    .catch(() => undefined)
    .finally(() => {
      end.job.end();
      end.progress.flush();
    });
}

export const fleetHandlers = defineHandlers({
  'fleet.settings': async (_input, { deps }) => readSettings(deps),
  'fleet.saveSettings': async (input, { deps }) => {
    deps.settings.set(SETTINGS_KEY, input);
    return readSettings(deps);
  },

  'fleet.last': async ({ profileId }, { deps }) => {
    let id: string;
    try {
      id = (await clientFor(deps, profileId)).profile.id;
    } catch (e) {
      // Reading the cache needs no token: a locked console still shows the last scan.
      if (!(e instanceof HostError) || (e.code !== 'locked' && e.code !== 'unauthorized')) throw e;
      id = profileId ?? '';
    }
    return { scan: id ? await readLastScan(deps, id) : null };
  },

  'fleet.scan': async ({ profileId, concurrency, resume }, ctx) => {
    const { deps, session } = ctx;
    const { profile, client } = await clientFor(deps, profileId);
    const settings = readSettings(deps);
    const conc = concurrency ?? settings.concurrency;
    const previous = resume ? await readLastScan(deps, profile.id) : null;
    const keep = previous && !previous.complete ? previous.rows.filter((r) => r.state === 'ok') : [];
    const scanId = `fs-${randomBytes(8).toString('hex')}`;
    const job = startJob(ctx, scanId, `fleet scan ${profile.name}`);
    const wire = new FleetWire(client, new RateGate(fleetTuning.gate), job.abort.signal);
    const startedAt = new Date().toISOString();
    const progress = progressEmitter(session, scanId, 'scan', job);
    await audit(ctx, {
      action: 'fleet.scan',
      profile: profile.name,
      outcome: 'ok',
      detail: { scanId, concurrency: conc, resumedFrom: keep.length },
    });
    const run = scanFleet({
      wire,
      concurrency: conc,
      exportNames: exportNames(deps),
      signal: job.abort.signal,
      skip: new Set(keep.map((r) => r.container)),
      onRow: (row) => session.emit('fleet.row', { scanId, row }),
      onProgress: progress.onProgress,
    });
    endJob(ctx, run, {
      action: 'fleet.scan.end',
      profile: profile.name,
      id: { scanId },
      job,
      progress,
      stored: (res) => {
        const rows = [...keep, ...res.rows];
        if (rows.length || res.progress.state !== 'failed')
          writeLastScan(deps, {
            profileId: profile.id,
            at: previous && keep.length ? previous.at : startedAt,
            complete: res.complete,
            rows,
          });
        return {
          tenants: rows.length,
          problems: res.progress.failed,
          requests: res.progress.requests,
          rateLimited: res.progress.rateLimited,
        };
      },
    });
    return { scanId };
  },

  'fleet.refreshRow': async ({ profileId, container }, ctx) => {
    const { deps } = ctx;
    const { profile, client } = await clientFor(deps, profileId);
    const ac = new AbortController();
    const untrack = deps.flows.track({ label: `fleet refresh ${container}`, close: () => ac.abort() });
    let row: FleetRow;
    try {
      row = await scanTenant(new FleetWire(client, new RateGate(fleetTuning.gate), ac.signal), container, {
        exportNames: exportNames(deps),
      });
    } finally {
      untrack();
    }
    const last = await readLastScan(deps, profile.id);
    if (last)
      writeLastScan(deps, {
        ...last,
        rows: last.rows.some((r) => r.container === container)
          ? last.rows.map((r) => (r.container === container ? row : r))
          : [...last.rows, row],
      });
    await audit(ctx, {
      action: 'fleet.refreshRow',
      profile: profile.name,
      tenant: container,
      outcome: row.state === 'failed' ? 'error' : 'ok',
    });
    return row;
  },

  'fleet.search': async ({ profileId, query, concurrency }, ctx) => {
    const { deps, session } = ctx;
    // A pattern RE2 refuses is the caller's error, answered before anything starts.
    if (query.code) compileCodeMatcher(query.code);
    const { profile, client } = await clientFor(deps, profileId);
    const conc = concurrency ?? readSettings(deps).concurrency;
    const searchId = `fq-${randomBytes(8).toString('hex')}`;
    const job = startJob(ctx, searchId, `fleet search ${profile.name}`);
    const wire = new FleetWire(client, new RateGate(fleetTuning.gate), job.abort.signal);
    const progress = progressEmitter(session, searchId, 'search', job);
    // Hits are kept as they arrive, so a cancelled search can still be exported.
    const kept = { sessionId: session.id, profileId: profile.id, query, tenants: [] as TenantHits[] };
    searches.set(searchId, kept);
    const mine = [...searches].filter(([, s]) => s.sessionId === session.id);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - KEEP_SEARCHES))) searches.delete(id);
    session.onClose(() => searches.delete(searchId));
    // What was searched, never what was found (customer code stays out of the audit log).
    const searched = { name: query.name, meta: query.meta, auth0: query.auth0, ...(query.code ? { code: query.code } : {}) };
    await audit(ctx, { action: 'fleet.search', profile: profile.name, outcome: 'ok', detail: { searchId, ...searched } });
    const run = searchFleet({
      wire,
      concurrency: conc,
      query,
      signal: job.abort.signal,
      onTenant: (tenant) => {
        kept.tenants.push(tenant);
        session.emit('fleet.hits', { searchId, tenant });
      },
      onProgress: progress.onProgress,
    });
    endJob(ctx, run, {
      action: 'fleet.search.end',
      profile: profile.name,
      id: { searchId },
      job,
      progress,
      stored: (res) => {
        const counts = { extensions: res.extensions, scanned: res.scanned, failedTenants: res.failedTenants };
        session.emit('fleet.searchDone', {
          searchId,
          tenants: res.tenants.filter((t) => t.hits.length).length,
          ...counts,
          truncated: res.truncated,
        });
        return counts;
      },
    });
    return { searchId };
  },

  'fleet.cancel': async ({ id }, { session }) => {
    const job = running.get(id);
    if (!job || job.sessionId !== session.id) return { cancelled: false };
    job.abort.abort();
    return { cancelled: true };
  },

  'fleet.export': async ({ profileId, what, format, searchId }, ctx) => {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (what === 'scan') {
      const { profile } = await clientFor(ctx.deps, profileId).catch((e: unknown) => {
        throw e instanceof HostError && e.code === 'locked' ? new HostError('locked', 'The console is locked: unlock it to export.') : e;
      });
      const last = await readLastScan(ctx.deps, profile.id);
      if (!last) throw new HostError('not_found', 'There is no fleet scan to export yet: run one first.');
      return format === 'csv'
        ? { fileName: `fleet-scan-${stamp}.csv`, text: scanCsv(last.rows), mime: 'text/csv' }
        : { fileName: `fleet-scan-${stamp}.json`, text: toJson(last), mime: 'application/json' };
    }
    const s = searchId ? searches.get(searchId) : undefined;
    if (!s || s.sessionId !== ctx.session.id)
      throw new HostError(
        'not_found',
        'That search is not available any more (only the last five of this window are kept, and a reload forgets them): search again.',
      );
    await audit(ctx, { action: 'fleet.search.export', outcome: 'ok', detail: { searchId, format } });
    return format === 'csv'
      ? { fileName: `fleet-search-${stamp}.csv`, text: searchCsv(s.tenants), mime: 'text/csv' }
      : { fileName: `fleet-search-${stamp}.json`, text: toJson({ query: s.query, tenants: s.tenants }), mime: 'application/json' };
  },
});
