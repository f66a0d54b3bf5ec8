import { Redactor } from '../util/redact';
import { Batcher } from './batcher';
import type { CheckpointStore } from './checkpoint';
import { type ExportConfig, parseExportConfig, secretValues } from './config';
import { type Destination, createDestination } from './destinations';
import type { Encoded } from './destinations/types';
import { LogFilter } from './filter';
import type { ExportProgress, ExportReport } from './report';
import { CancelledError, DeliveryError, backoffMs, sleep } from './retry';
import { createHttp } from './http';
import { notifySlack } from './slack';
import { type Auth0Log, Auth0LogSource, type FetchLike } from './source';

export interface RunExportOptions {
  /** Parsed settings, or the raw NAME: value settings (validated here). */
  config: ExportConfig | Record<string, unknown>;
  checkpointStore: CheckpointStore;
  /** Start after this checkpoint, overriding the stored one and START_FROM; null: from the oldest log. */
  from?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  fetchImpl?: FetchLike;
  /** Fetch and filter only: nothing is sent, no checkpoint saved. */
  dryRun?: boolean;
  /** Slack notices for this run (default: as configured). */
  notify?: boolean;
  /** Name shown in Slack notices. */
  jobName?: string;
  /** Diagnostic lines (retries, waits); never holds a secret. */
  log?: (line: string) => void;
  progressIntervalMs?: number;
  /** Replaces the configured destination (tests, custom hosts). */
  destination?: Destination;
}

/** How long a partial batch waits for the next page before it is sent anyway. */
const LINGER_MS = 20;

/** A bounded hand-off between the fetcher and the sender: fetch-ahead stops when it is full. */
class PageQueue {
  private pages: Auth0Log[][] = [];
  private ended = false;
  private error: unknown = null;
  private wake: (() => void) | null = null;
  private space: (() => void) | null = null;
  constructor(private readonly capacity: number) {}

  async push(page: Auth0Log[], signal: AbortSignal): Promise<void> {
    while (this.pages.length >= this.capacity) {
      if (signal.aborted) throw new CancelledError();
      await waitFor((r) => (this.space = r), signal);
    }
    this.pages.push(page);
    this.notify();
  }
  end(error: unknown = null): void {
    this.ended = true;
    this.error = error;
    this.notify();
  }
  private notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  /** A page if one is ready now. */
  poll(): Auth0Log[] | undefined {
    const p = this.pages.shift();
    if (p) {
      const s = this.space;
      this.space = null;
      s?.();
    }
    return p;
  }
  /** The next page; null when the fetcher is done; throws the fetcher's error after the pages before it. */
  async next(signal: AbortSignal): Promise<Auth0Log[] | null> {
    for (;;) {
      const p = this.poll();
      if (p) return p;
      if (this.ended) {
        if (this.error) throw this.error;
        return null;
      }
      if (signal.aborted) throw new CancelledError();
      await waitFor((r) => (this.wake = r), signal);
    }
  }

  /** Waits up to `ms` for a page to be ready (or the end); true when one is. */
  async ready(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.pages.length || this.ended) return true;
    let timer: NodeJS.Timeout | undefined;
    await waitFor((r) => {
      this.wake = r;
      timer = setTimeout(r, ms);
    }, signal);
    clearTimeout(timer);
    return this.pages.length > 0 || this.ended;
  }
}

/** Resolves when `arm`'s callback is called or `signal` aborts; leaves no listener behind. */
function waitFor(arm: (wake: () => void) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}

/**
 * Runs one export: source pages are fetched ahead while batches go out; the checkpoint is
 * persisted after every acknowledged batch and never moves past an unacknowledged log.
 */
export async function runExport(opts: RunExportOptions): Promise<ExportReport> {
  const cfg: ExportConfig = isParsed(opts.config) ? opts.config : parseExportConfig(opts.config);
  const redactor = new Redactor();
  for (const s of isParsed(opts.config) ? parsedSecrets(cfg) : secretValues(opts.config)) redactor.add(s);
  const log = (line: string) => opts.log?.(redactor.strict(line));
  // A run owns its connections: closed at the end so a command line exits at once.
  const own = opts.fetchImpl ? null : createHttp();
  const fetchImpl = opts.fetchImpl ?? own!.http;
  const dryRun = opts.dryRun ?? false;
  const started = Date.now();
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) ctl.abort();
  const signal = ctl.signal;

  const stored = opts.from === undefined ? await opts.checkpointStore.load() : null;
  const start = opts.from !== undefined ? opts.from : (stored ?? cfg.startFrom);
  const filter = new LogFilter({ types: cfg.logTypes, level: cfg.logLevel });
  const dest = opts.destination ?? createDestination(cfg, { fetchImpl, requestTimeoutMs: cfg.requestTimeoutMs });
  const c = { processed: 0, filtered: 0, delivered: 0, rejected: 0, batches: 0, retries: 0 };
  let checkpoint: string | null = start;
  let consumed: string | null = start;
  let duplicatesPossible = false;
  let phase: ExportProgress['phase'] = 'starting';
  let lastEmit = 0;
  const interval = opts.progressIntervalMs ?? 250;

  // For progress: the newest log's date (when asked for) and the dates the run has covered.
  let head: { id: string; ms: number } | null = null;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  let sentAt: number | null = null;
  const estimate = (rate: number): { etaSeconds: number | null; fraction: number | null } => {
    if (phase === 'done') return { etaSeconds: 0, fraction: 1 };
    if (cfg.maxLogs !== null) {
      return { etaSeconds: rate > 0 ? Math.max(0, (cfg.maxLogs - c.processed) / rate) : null, fraction: Math.min(1, c.processed / cfg.maxLogs) };
    }
    if (!head || firstMs === null || lastMs === null || sentAt === null || head.ms <= firstMs) return { etaSeconds: null, fraction: null };
    const fraction = Math.min(1, Math.max(0, (lastMs - firstMs) / (head.ms - firstMs)));
    const covered = lastMs - firstMs;
    const secs = (Date.now() - sentAt) / 1000;
    // Log time covered per second of run: dates are not uniform, so this is an estimate, refined as it goes.
    return { etaSeconds: covered > 0 && secs > 0 ? Math.max(0, (head.ms - lastMs) / (covered / secs)) : null, fraction };
  };
  const emit = (force = false, message?: string) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastEmit < interval) return;
    lastEmit = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const rate = c.processed / secs;
    opts.onProgress({
      phase,
      ...pick(c),
      logsPerSecond: Math.round(rate),
      checkpoint,
      total: cfg.maxLogs,
      head: head?.id ?? null,
      ...estimate(rate),
      ...(message ? { message } : {}),
    });
  };

  const source = new Auth0LogSource(cfg, fetchImpl, {
    onRetry: ({ reason, waitMs, counted }) => {
      if (counted) c.retries++;
      log(`source: ${reason}; next attempt in ${waitMs} ms`);
      emit(true, reason);
    },
  });

  const persist = async (cp: string | null) => {
    if (cp === null || cp === checkpoint) return;
    if (!dryRun) {
      try {
        await opts.checkpointStore.save(cp);
      } catch (e) {
        throw new DeliveryError(`could not save the checkpoint: ${(e as Error).message}`, { retryable: false, cause: e });
      }
    }
    checkpoint = cp;
  };

  const deliver = async (items: Encoded[]) => {
    if (dryRun) return;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new CancelledError();
      try {
        const r = await dest.send(items, signal);
        if (r.rejected) {
          c.rejected += r.rejected;
          log(`destination rejected ${r.rejected} of ${items.length} events (${r.rejectedReason ?? 'no reason given'})`);
        }
        c.delivered += items.length - r.rejected;
        return;
      } catch (e) {
        if (e instanceof CancelledError || signal.aborted) {
          // The request may have reached the destination before the cancel: its logs may come again on resume.
          duplicatesPossible = true;
          throw new CancelledError();
        }
        const err = e instanceof DeliveryError ? e : new DeliveryError(String((e as Error)?.message ?? e), { retryable: false, cause: e });
        if (err.status !== 429) duplicatesPossible = true;
        if (!err.retryable || attempt >= cfg.maxRetries) {
          const why = err.retryable ? ` (gave up after ${attempt} retries)` : '';
          throw new DeliveryError(`${err.message}${why}`, { retryable: false, status: err.status, cause: err });
        }
        c.retries++;
        const waitMs = backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs, err.retryAfterMs ?? 0);
        phase = 'retrying';
        log(`destination: ${err.message}; retry ${attempt + 1}/${cfg.maxRetries} in ${waitMs} ms`);
        emit(true, err.message);
        await sleep(waitMs, signal);
        phase = 'running';
      }
    }
  };

  // The head, for an ETA: one search-mode request, only when someone watches progress and MAX_LOGS does not already give the end.
  if (opts.onProgress && cfg.maxLogs === null) {
    try {
      const h = await source.fetchHead(signal);
      const ms = Date.parse(h?.date ?? '');
      if (h && Number.isFinite(ms)) head = { id: h.log_id, ms };
    } catch {
      // No ETA then; the run itself reports source errors.
    }
  }

  const queue = new PageQueue(cfg.fetchAheadPages);
  const fetcher = (async () => {
    let cursor = start;
    let total = 0;
    try {
      for (;;) {
        const page = await source.fetchPage(cursor, cfg.batchSize, signal);
        const room = cfg.maxLogs === null ? page.length : Math.max(0, cfg.maxLogs - total);
        const logs = page.length > room ? page.slice(0, room) : page;
        if (logs.length) {
          await queue.push(logs, signal);
          total += logs.length;
          cursor = logs[logs.length - 1]!.log_id;
        }
        // A short page means the head was reached at the time of the request: this run is done.
        if (page.length < cfg.batchSize || (cfg.maxLogs !== null && total >= cfg.maxLogs)) break;
      }
      queue.end();
    } catch (e) {
      queue.end(e);
    }
  })();

  let status: ExportReport['status'] = 'ok';
  let error: string | undefined;
  try {
    if (!dryRun) await prepareWithRetry(dest, cfg, signal, () => c.retries++, log);
    phase = 'running';
    emit(true);
    const batcher = new Batcher(dest.limits);
    const flush = async () => {
      if (batcher.size === 0) return;
      const end = consumed;
      await deliver(batcher.take());
      c.batches++;
      await persist(end);
      emit();
    };
    for (;;) {
      let page = queue.poll();
      // A page is on its way: hold a partial batch a moment so batches span pages (fewer, larger requests).
      if (!page && batcher.size > 0 && (await queue.ready(LINGER_MS, signal))) page = queue.poll();
      if (!page) {
        // Nothing fetched yet: send what is held rather than wait for a full batch.
        await flush();
        await persist(consumed);
        const next = await queue.next(signal).catch(async (e: unknown) => {
          await flush();
          await persist(consumed);
          throw e;
        });
        if (next === null) break;
        page = next;
      }
      for (const l of page) {
        c.processed++;
        if (head) {
          const ms = Date.parse(l.date ?? '');
          if (Number.isFinite(ms)) {
            if (firstMs === null) {
              firstMs = ms;
              sentAt = Date.now();
            }
            lastMs = ms;
          }
        }
        if (!filter.passes(l.type)) {
          c.filtered++;
        } else {
          const e = dest.encode(l);
          if (!batcher.fits(e)) await flush();
          batcher.add(e);
          if (batcher.full) {
            consumed = l.log_id;
            await flush();
            continue;
          }
        }
        consumed = l.log_id;
      }
      if (batcher.size === 0) await persist(consumed);
    }
    await flush();
    await persist(consumed);
  } catch (e) {
    if (e instanceof CancelledError || (signal.aborted && opts.signal?.aborted)) {
      status = 'cancelled';
      error = 'cancelled before the end; resume from the next checkpoint';
    } else {
      status = 'failed';
      error = redactor.strict((e as Error)?.message ?? String(e));
    }
  } finally {
    ctl.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await fetcher;
    await dest.close().catch(() => undefined);
    await own?.close().catch(() => undefined);
  }

  const ended = Date.now();
  const report: ExportReport = {
    status,
    destination: dest.kind,
    dryRun,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    startCheckpoint: start,
    ...pick(c),
    unknownTypes: filter.unknownTypesRecord(),
    nextCheckpoint: checkpoint,
    ...(status === 'failed' ? { failedCheckpoint: checkpoint } : {}),
    ...(error ? { error } : {}),
    duplicatesPossible,
    durationMs: ended - started,
    logsPerSecond: Math.round(c.processed / Math.max(0.001, (ended - started) / 1000)),
  };
  phase = 'done';
  emit(true);

  const slack = cfg.slack;
  if (slack && opts.notify !== false && !dryRun && (status === 'failed' || (status === 'ok' && slack.sendSuccess))) {
    try {
      await notifySlack(slack.webhookUrl, report, opts.jobName ?? `Auth0 logs to ${dest.kind}`);
    } catch (e) {
      log(`Slack notice failed: ${redactor.strict((e as Error).message)}`);
    }
  }
  return report;
}

async function prepareWithRetry(dest: Destination, cfg: ExportConfig, signal: AbortSignal, count: () => void, log: (l: string) => void) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await dest.prepare(signal);
    } catch (e) {
      if (e instanceof CancelledError || signal.aborted) throw new CancelledError();
      const err = e as DeliveryError;
      if (!(err instanceof DeliveryError) || !err.retryable || attempt >= cfg.maxRetries) throw e;
      count();
      const waitMs = backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs, err.retryAfterMs ?? 0);
      log(`destination setup: ${err.message}; retry in ${waitMs} ms`);
      await sleep(waitMs, signal);
    }
  }
}

function pick(c: { processed: number; filtered: number; delivered: number; rejected: number; batches: number; retries: number }) {
  return { processed: c.processed, filtered: c.filtered, delivered: c.delivered, rejected: c.rejected, batches: c.batches, retries: c.retries };
}

function isParsed(c: RunExportOptions['config']): c is ExportConfig {
  return typeof (c as ExportConfig).auth0 === 'object' && typeof (c as ExportConfig).destination === 'string';
}

function parsedSecrets(cfg: ExportConfig): string[] {
  return [
    cfg.auth0.clientSecret,
    cfg.cloudwatch?.secretAccessKey,
    cfg.logstash?.password,
    cfg.logstash?.token,
    cfg.elasticsearch?.password,
    cfg.elasticsearch?.apiKey,
    cfg.azureLegacy?.workspaceKey,
    cfg.azure?.clientSecret,
    cfg.splunk?.token,
    cfg.datadog?.apiKey,
    cfg.slack?.webhookUrl,
  ].filter((s): s is string => !!s);
}
