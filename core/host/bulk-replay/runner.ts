// A bulk replay: the plan and each tenant's state in a journal on disk (written atomically, strictly
// redacted, on every change), tenants replayed locally with bounded concurrency, one writer per job.
// A host that restarts reads the journal and continues: a tenant that was running resumes from its
// own acknowledged checkpoint (at most one batch sent twice), a finished one is never run again.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BulkTenant, BulkView, type BulkMode, type BulkPlanItem, type BulkTenantState } from '../../../common/contract';
import { FileCheckpointStore, parseExportConfig, runExport } from '../../export';
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import type { HostDeps, Session } from '../deps';
import { readExtension } from '../exports/jobs';
import { clientFor } from '../tokens';
import type { CallContext } from '../types';
import { awaitCronIdle, lockJob } from './guard';
import { runRemoteTenant } from './remote';
import { sendSummary } from './slack';

/** The journal: the view less what is computed, each tenant with what earlier attempts delivered. */
const JournalTenant = BulkTenant.extend({
  priorDelivered: z.number().int().default(0),
  /** Remote mode: the job's START_FROM before the bulk touched it (put back if a crash left the replay's). */
  startFromBefore: z.string().nullable().optional(),
});
type JournalTenant = z.infer<typeof JournalTenant>;
const Journal = BulkView.omit({ counts: true, delivered: true, logsPerSecond: true, tenants: true }).extend({
  tenants: z.array(JournalTenant),
  /** Send the Slack summary at the end (journals written before it existed: no). */
  notify: z.boolean().default(false),
});
type Journal = z.infer<typeof Journal>;

type Why = 'pause' | 'cancel' | 'lock' | 'halt';

/** How long a tenant waits for the cluster's own run of its job before it fails with the reason. */
const CRON_WAIT_MS = 30_000;

export class BulkRun {
  private readonly ctls = new Map<string, AbortController>();
  private writing: Promise<void> = Promise.resolve();
  private lastEmit = 0;
  private pendingWrite: NodeJS.Timeout | null = null;
  private untrack: (() => void) | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly registry: Registry,
    readonly j: Journal,
  ) {}

  private get deps() {
    return this.registry.deps;
  }

  view(): BulkView {
    const counts = { waiting: 0, running: 0, paused: 0, ok: 0, failed: 0, cancelled: 0 };
    let delivered = 0;
    let rate = 0;
    for (const t of this.j.tenants) {
      counts[t.state]++;
      delivered += t.priorDelivered + (t.report?.delivered ?? t.progress?.delivered ?? 0);
      if (t.state === 'running') rate += t.progress?.logsPerSecond ?? 0;
    }
    const { notify: _n, ...j } = this.j;
    return {
      ...j,
      counts,
      delivered,
      logsPerSecond: Math.round(rate),
      tenants: this.j.tenants.map(({ priorDelivered: _p, startFromBefore: _s, ...t }) => t),
    };
  }

  find(container: string, name: string): JournalTenant {
    const t = this.j.tenants.find((x) => x.container === container && x.name === name);
    if (!t) throw new HostError('not_found', `${name} on ${container} is not part of bulk replay ${this.j.bulkId}.`);
    return t;
  }

  /**
   * Writes the journal (one write at a time, tmp + rename) and tells the watching sessions. A state change
   * writes at once; progress (`force` false) is coalesced into one write a second and one event every
   * 250 ms: a write redacts and serializes every row, and eight tenants reporting four times a second
   * each would spend the CPU the replays need. Resuming never depends on those writes: each tenant's
   * engine keeps its own checkpoint file.
   */
  persist(force = true): Promise<void> {
    if (this.registry.halted) return this.writing.catch(() => undefined);
    const now = Date.now();
    if (force || now - this.lastEmit > 250) {
      this.lastEmit = now;
      this.registry.emit(this.view());
    }
    if (!force) {
      this.pendingWrite ??= setTimeout(() => {
        this.pendingWrite = null;
        void this.write();
      }, 1000);
      return Promise.resolve();
    }
    return this.write();
  }

  private write(): Promise<void> {
    if (this.pendingWrite) clearTimeout(this.pendingWrite);
    this.pendingWrite = null;
    if (this.registry.halted) return this.writing.catch(() => undefined);
    // The rows (errors, reports) strictly redacted; the ids are kept as they are, being needed to resume
    // (strict redaction may take a profile id for a secret).
    const text = JSON.stringify({ ...this.j, tenants: this.deps.redactor.deep(this.j.tenants, 'strict') });
    const file = this.registry.file(this.j.bulkId);
    this.writing = this.writing.then(async () => {
      await mkdir(this.registry.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    });
    return this.writing.catch(() => undefined);
  }

  /** Starts tenants while there is room; marks the bulk done when nothing is left. */
  pump(ctx: CallContext): void {
    let running = this.j.tenants.filter((t) => t.state === 'running').length;
    for (const t of this.j.tenants) {
      if (this.j.state !== 'running' || running >= this.j.concurrency) break;
      if (t.state !== 'waiting') continue;
      running++;
      this.startTenant(ctx, t);
    }
    if (running > 0 && !this.untrack) {
      this.untrack = this.deps.flows.track({
        label: `bulk replay ${this.j.bulkId}`,
        close: (reason) => {
          this.untrack = null;
          this.stopAll('lock', reason);
        },
      });
    }
    if (running === 0) {
      this.untrack?.();
      this.untrack = null;
      const ts = this.j.tenants;
      if (ts.some((t) => t.state === 'paused')) this.j.state = 'paused';
      else if (this.j.state !== 'cancelled' && !ts.some((t) => t.state === 'waiting'))
        this.j.state = ts.every((t) => t.state === 'cancelled') ? 'cancelled' : 'done';
      if (this.j.state === 'done' && this.j.notify && this.j.slack === undefined) {
        // Once per bulk: the journal records that it was sent (or why not) before anything else is done.
        this.j.slack = null;
        void sendSummary(ctx, this.view()).then(
          (r) => {
            this.j.slack = r;
            void this.persist();
          },
          (e: unknown) => {
            this.j.slack = this.deps.redactor.strict(`not sent: ${(e as Error).message}`);
            void this.persist();
          },
        );
      }
      void this.persist();
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** For tests and shutdown: resolves when no tenant is running. */
  idle(): Promise<void> {
    if (this.ctls.size === 0) return this.writing.catch(() => undefined);
    return new Promise<void>((r) => this.idleWaiters.push(r)).then(() => this.writing.catch(() => undefined));
  }

  /** The host is going away: runs stop and the journal is left as it was, as after a crash. */
  halt(): void {
    for (const c of this.ctls.values()) c.abort('halt');
  }

  stopAll(why: Why, note?: string): void {
    this.j.state = why === 'cancel' ? 'cancelled' : 'paused';
    this.j.note = note ?? null;
    for (const t of this.j.tenants) if (t.state === 'waiting') t.state = why === 'cancel' ? 'cancelled' : 'paused';
    for (const t of this.j.tenants) if (t.state === 'running') this.noteStopping(t, why === 'cancel' ? 'cancelled' : 'paused');
    for (const c of this.ctls.values()) c.abort(why);
    void this.persist();
  }

  stopOne(t: JournalTenant, why: 'pause' | 'cancel'): void {
    const next: BulkTenantState = why === 'cancel' ? 'cancelled' : 'paused';
    if (t.state === 'waiting') t.state = next;
    else if (t.state === 'running') {
      this.noteStopping(t, next);
      this.ctls.get(key(t))?.abort(why);
    } else if (why === 'cancel' && t.state === 'paused') t.state = 'cancelled';
    void this.persist();
  }

  /** A running cluster run cannot be stopped from here: the row says the stop comes when it ends. */
  private noteStopping(t: JournalTenant, to: 'paused' | 'cancelled'): void {
    if (this.j.mode !== 'remote' || t.state !== 'running') return;
    t.stopping = {
      to,
      note: `The cluster's run cannot be stopped from the console: it finishes, then this tenant is ${to}${to === 'paused' ? ' (resume continues from its checkpoint)' : ''}. A run that finishes ok stays ok.`,
    };
  }

  private startTenant(ctx: CallContext, t: JournalTenant): void {
    const deps = this.deps;
    const ctl = new AbortController();
    this.ctls.set(key(t), ctl);
    t.state = 'running';
    t.attempts++;
    t.startedAt = new Date().toISOString();
    t.endedAt = null;
    t.error = null;
    t.priorDelivered += t.report?.delivered ?? 0;
    t.report = null;
    t.progress = null;
    t.stopping = null;
    void this.persist();
    const store = new FileCheckpointStore(join(this.registry.dir, this.j.bulkId, seg(t.container), seg(t.name)));
    const scope = { profile: this.j.profileId, tenant: t.container, target: t.name };
    void (async () => {
      let release: (() => void) | null = null;
      let from: string | null = t.checkpoint ?? t.from;
      try {
        from = (await store.load().catch(() => null)) ?? from;
        await audit(ctx, {
          action: 'bulk.tenant.start',
          ...scope,
          outcome: 'ok',
          detail: { bulkId: this.j.bulkId, from, attempt: t.attempts },
        });
        const { profile, client } = await clientFor(deps, this.j.profileId);
        await awaitCronIdle(client, t.container, t.name, { waitMs: CRON_WAIT_MS, signal: ctl.signal });
        release = lockJob(deps, this.j.profileId, t.container, t.name, this.j.bulkId);
        if (this.j.mode === 'remote') {
          // The cluster's run cannot be stopped from here: a pause or cancel takes effect when it ends.
          const rt = {
            container: t.container,
            name: t.name,
            from: from ?? t.from!,
            startFromBefore: t.startFromBefore,
            attempts: t.attempts,
            estimate: t.estimate,
            planFrom: t.from ?? undefined,
          };
          // exports.replayRemote waits for the cluster's run with its own long-timeout client.
          const out = await runRemoteTenant(
            ctx,
            profile,
            client,
            rt,
            async () => {
              // On disk before START_FROM changes: a host that dies mid-run puts it back from here.
              t.startFromBefore = rt.startFromBefore;
              await this.persist();
            },
            ctl.signal,
            (p) => {
              t.progress = p;
              if (p.checkpoint) t.checkpoint = p.checkpoint;
              void this.persist(false);
            },
          );
          // Put back as it was: the next attempt reads it afresh (kept when it could not be put back).
          if (!out.restoreProblem) t.startFromBefore = undefined;
          t.report = out.report;
          t.checkpoint = out.run.item.checkpoint ?? out.run.item.failedCheckpoint ?? t.checkpoint;
          t.duplicatesPossible ||= out.report?.duplicatesPossible ?? false;
          const err = out.restoreProblem ?? (out.run.ok ? null : (out.run.item.error ?? `the cluster answered ${out.run.statusCode}`));
          t.error = err ? deps.redactor.strict(err) : null;
          t.state = out.run.ok && !out.restoreProblem ? 'ok' : 'failed';
        } else {
          const cfg = await readExtension(deps, client, profile, t.container, t.name);
          // The chosen checkpoint wins over the job's own START_FROM.
          const { START_FROM: _s, ...settings } = cfg.secrets;
          const report = await runExport({
            config: parseExportConfig(settings),
            checkpointStore: store,
            from,
            signal: ctl.signal,
            // One summary for the whole bulk at the end instead of a notice per tenant.
            notify: false,
            jobName: `${t.name} on ${t.container} (bulk replay)`,
            progressIntervalMs: 250,
            onProgress: (p) => {
              t.progress = p;
              if (p.checkpoint) t.checkpoint = p.checkpoint;
              void this.persist(false);
            },
          });
          t.report = report;
          t.checkpoint = report.nextCheckpoint ?? t.checkpoint;
          t.duplicatesPossible ||= report.duplicatesPossible;
          t.error = report.error ? deps.redactor.strict(report.error) : null;
          t.state = report.status === 'ok' ? 'ok' : report.status === 'failed' ? 'failed' : 'cancelled';
        }
      } catch (e) {
        t.state = 'failed';
        t.error = deps.redactor.strict((e as Error)?.message ?? String(e));
      } finally {
        release?.();
      }
      let why = ctl.signal.aborted ? (ctl.signal.reason as Why) : null;
      // Remote: the stop asked during the cluster's run, unless a resume took it back meanwhile.
      if (this.j.mode === 'remote' && why !== 'halt') why = t.stopping ? (t.stopping.to === 'cancelled' ? 'cancel' : 'pause') : null;
      if (why === 'halt') {
        this.ctls.delete(key(t));
        if (this.ctls.size === 0) for (const w of this.idleWaiters.splice(0)) w();
        return;
      }
      // A remote run is not interrupted by a pause or cancel (the cluster's run goes on to its end): one that
      // finished stays ok; otherwise the tenant takes the asked-for state and continues from its checkpoint.
      const interrupted = why !== null && !(this.j.mode === 'remote' && t.state === 'ok');
      if (interrupted) t.state = why === 'cancel' ? 'cancelled' : 'paused';
      t.stopping = null;
      // An interrupted local run may have sent its last batch without the acknowledgement: at most one batch twice.
      if (interrupted && this.j.mode === 'local') t.duplicatesPossible = true;
      t.endedAt = new Date().toISOString();
      this.ctls.delete(key(t));
      // The end is audited before the next tenant's start, and the bulk's own state follows at once: a view
      // read while the journal is written never shows no tenant running in a bulk still "running".
      const ended = audit(ctx, {
        action: 'bulk.tenant.end',
        ...scope,
        outcome: t.state === 'ok' ? 'ok' : 'error',
        detail: {
          bulkId: this.j.bulkId,
          state: t.state,
          delivered: t.report?.delivered ?? 0,
          checkpoint: t.checkpoint,
          ...(t.error ? { error: t.error } : {}),
        },
      }).catch(() => undefined);
      this.pump(ctx);
      await ended;
      await this.persist();
    })();
  }
}

const key = (t: { container: string; name: string }) => `${t.container}\n${t.name}`;
/** A path segment from a validated name, never "." or "..". */
const seg = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');

export class Registry {
  readonly dir: string;
  readonly bulks = new Map<string, BulkRun>();
  private readonly watchers = new Set<Session>();
  private loaded: Promise<void> | null = null;
  /** Set when the host shuts down: nothing more is written to the journal. */
  halted = false;

  constructor(readonly deps: HostDeps) {
    this.dir = join(deps.dataDir, 'bulk');
  }

  file(bulkId: string): string {
    return join(this.dir, `${bulkId}.json`);
  }

  watch(session: Session): void {
    if (this.watchers.has(session)) return;
    this.watchers.add(session);
    session.onClose(() => this.watchers.delete(session));
  }

  emit(view: BulkView): void {
    for (const s of this.watchers) s.emit('bulk.progress', view);
  }

  /**
   * Reads the journal once per host; bulks that were running continue (their running tenants
   * resume from their checkpoints) on behalf of the call that found them.
   */
  load(ctx: CallContext): Promise<void> {
    this.loaded ??= (async () => {
      let names: string[] = [];
      try {
        names = (await readdir(this.dir)).filter((n) => /^br-[a-z0-9]+\.json$/.test(n));
      } catch {
        return;
      }
      for (const n of names) {
        let j: Journal;
        try {
          j = Journal.parse(JSON.parse(await readFile(join(this.dir, n), 'utf8')));
        } catch (e) {
          // A damaged journal must not stop the others (nor the host): it is reported and left on disk.
          ctx.session.emit('app.notice', {
            level: 'warning',
            message: `The bulk replay journal ${n} cannot be read (${(e as Error).message.slice(0, 200)}); it was left as is.`,
          });
          continue;
        }
        for (const t of j.tenants) {
          if (t.state !== 'running') continue;
          // Stopped mid-run: its last batch may have been delivered without the acknowledgement.
          t.state = 'waiting';
          t.duplicatesPossible = true;
          // A stop asked during a cluster run that the crash cut short is dropped: the tenant runs again, and
          // that attempt is what puts its START_FROM back (a pause can be asked again).
          t.stopping = null;
        }
        const run = new BulkRun(this, j);
        this.bulks.set(j.bulkId, run);
        if (j.state === 'running') {
          await audit(ctx, {
            action: 'bulk.resume',
            profile: j.profileId,
            outcome: 'ok',
            detail: { bulkId: j.bulkId, reason: 'journal found at start' },
          }).catch(() => undefined);
          run.pump(ctx);
        }
      }
    })();
    return this.loaded;
  }

  get(bulkId: string): BulkRun {
    const b = this.bulks.get(bulkId);
    if (!b) throw new HostError('not_found', `No bulk replay ${bulkId} in this console's journal.`);
    return b;
  }

  create(
    ctx: CallContext,
    profileId: string,
    concurrency: number,
    items: BulkPlanItem[],
    opts: { mode?: BulkMode; notify?: boolean } = {},
  ): BulkRun {
    const bulkId = `br-${randomBytes(6).toString('hex')}`;
    const j: Journal = {
      bulkId,
      profileId,
      mode: opts.mode ?? 'local',
      notify: opts.notify ?? true,
      concurrency,
      createdAt: new Date().toISOString(),
      state: 'running',
      note: null,
      tenants: items.map((i) => ({
        ...i,
        state: 'waiting',
        attempts: 0,
        checkpoint: null,
        progress: null,
        report: null,
        error: null,
        duplicatesPossible: false,
        startedAt: null,
        endedAt: null,
        priorDelivered: 0,
      })),
    };
    const run = new BulkRun(this, j);
    this.bulks.set(bulkId, run);
    return run;
  }
}

const registries = new WeakMap<HostDeps, Registry>();
export function registryOf(deps: HostDeps): Registry {
  let r = registries.get(deps);
  if (!r) registries.set(deps, (r = new Registry(deps)));
  return r;
}

/**
 * The host is closing (or, in tests, about to be replaced as after a crash): every bulk stops where it
 * is and its journal keeps saying "running", so the next host continues it.
 */
export async function haltBulks(deps: HostDeps): Promise<void> {
  const reg = registryOf(deps);
  reg.halted = true;
  const runs = [...reg.bulks.values()];
  for (const b of runs) b.halt();
  await Promise.all(runs.map((b) => b.idle()));
}

/** For tests: resolves when the bulk has no running tenant. */
export async function bulkIdle(deps: HostDeps, bulkId: string): Promise<BulkView> {
  const b = registryOf(deps).get(bulkId);
  await b.idle();
  return b.view();
}

const CSV_COLUMNS = [
  'container',
  'name',
  'destination',
  'from',
  'state',
  'attempts',
  'delivered',
  'checkpoint',
  'duplicatesPossible',
  'error',
] as const;
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function bulkReport(view: BulkView, format: 'json' | 'csv'): { filename: string; text: string } {
  if (format === 'json') return { filename: `${view.bulkId}.json`, text: JSON.stringify(view, null, 2) };
  const rows = view.tenants.map((t) =>
    [
      t.container,
      t.name,
      t.destination.label,
      t.from,
      t.state,
      t.attempts,
      t.report?.delivered ?? t.progress?.delivered ?? 0,
      t.checkpoint,
      t.duplicatesPossible,
      t.error,
    ]
      .map(csvCell)
      .join(','),
  );
  return { filename: `${view.bulkId}.csv`, text: [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n' };
}
