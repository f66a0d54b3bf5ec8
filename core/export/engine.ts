import { Redactor } from '../util/redact';
import { Batcher } from './batcher';
import type { CheckpointStore } from './checkpoint';
import { type ExportConfig, parseExportConfig, secretValues } from './config';
import { type Destination, createDestination } from './destinations';
import type { Encoded } from './destinations/types';
import { LogFilter } from './filter';
import { createHttp } from './http';
import { PageQueue } from './page-queue';
import { Progress } from './progress';
import type { ExportProgress, ExportReport } from './report';
import { CancelledError, DeliveryError, type RetryHooks, type RetryPolicy, withRetry } from './retry';
import { notifySlack } from './slack';
import { Auth0LogSource, type FetchLike } from './source';
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
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) ctl.abort();
  const signal = ctl.signal;

  const stored = opts.from === undefined ? await opts.checkpointStore.load() : null;
  const start = opts.from !== undefined ? opts.from : (stored ?? cfg.startFrom);
  const started = Date.now();
  const filter = new LogFilter({ types: cfg.logTypes, level: cfg.logLevel });
  const dest = opts.destination ?? (await createDestination(cfg, { fetchImpl, requestTimeoutMs: cfg.requestTimeoutMs }));
  const progress = new Progress({ onProgress: opts.onProgress, intervalMs: opts.progressIntervalMs ?? 250, maxLogs: cfg.maxLogs, start });
  const c = progress.c;
  /** The last log the sender consumed: every log up to it is in the held batch, acknowledged, or filtered out. */
  let consumed: string | null = start;
  let duplicatesPossible = false;

  const rateWait = (waitMs: number) => {
    c.rateLimitWaits++;
    c.rateLimitWaitMs += waitMs;
  };
  const source = new Auth0LogSource(cfg, fetchImpl, {
    // rateLimit: not yet passed by the source; its uncounted waits and 429s are the rate-limit ones.
    onRetry: (info: { reason: string; waitMs: number; counted: boolean; rateLimit?: boolean }) => {
      const rate = info.rateLimit ?? (!info.counted || /\b429\b|rate limit/i.test(info.reason));
      if (rate) rateWait(info.waitMs);
      else if (info.counted) c.retries++;
      log(`source: ${info.reason}; next attempt in ${info.waitMs} ms`);
      progress.emit(true, info.reason);
    },
  });

  const policy: RetryPolicy = { maxRetries: cfg.maxRetries, baseMs: cfg.retryBaseMs, maxMs: cfg.retryMaxMs };
  const destHooks = (what: string): RetryHooks => ({
    onWait: ({ error, rateLimit, attempt, waitMs }) => {
      if (rateLimit) rateWait(waitMs);
      else c.retries++;
      progress.phase = 'retrying';
      log(
        `${what}: ${error.message}; ${rateLimit ? `rate limited, waiting ${waitMs} ms` : `retry ${attempt}/${cfg.maxRetries} in ${waitMs} ms`}`,
      );
      progress.emit(true, error.message);
    },
    // A destination that takes the request and never answers: fail the batch now, and say which setting to raise.
    onTimeout: (e) =>
      new DeliveryError(
        `${e.message}: no acknowledgement within REQUEST_TIMEOUT_MS (${cfg.requestTimeoutMs} ms), so the batch was not retried; ` +
          `if the destination is slow rather than stuck, raise REQUEST_TIMEOUT_MS`,
        { retryable: false, cause: e, outcome: 'timeout' },
      ),
  });

  const deliver = async (items: Encoded[]) => {
    if (dryRun) return;
    const hooks = destHooks('destination');
    try {
      const r = await withRetry(() => dest.send(items, signal), policy, signal, {
        ...hooks,
        // Only a request that went out and got no answer can have been stored unseen.
        onFailure: (e) => {
          if (e.outcome === 'unanswered' || e.outcome === 'timeout') duplicatesPossible = true;
        },
      });
      if (r.rejected) {
        c.rejected += r.rejected;
        log(`destination rejected ${r.rejected} of ${items.length} events (${r.rejectedReason ?? 'no reason given'})`);
      }
      c.delivered += items.length - r.rejected;
    } catch (e) {
      // Cancelled while a request was out: it may have reached the destination, so its logs may come again on resume.
      if (e instanceof CancelledError) duplicatesPossible = true;
      throw e;
    } finally {
      progress.phase = 'running';
    }
  };

  const batcher = new Batcher(dest.limits);
  /**
   * The checkpoint rule, in one place: send the held batch (if any) and, once it is acknowledged,
   * save the last consumed log as the checkpoint. Nothing else saves a checkpoint.
   */
  const commit = async () => {
    if (batcher.size > 0) {
      await deliver(batcher.take());
      c.batches++;
    }
    const cp = consumed;
    if (cp !== null && cp !== progress.checkpoint) {
      if (!dryRun) {
        try {
          await opts.checkpointStore.save(cp);
        } catch (e) {
          throw new DeliveryError(`could not save the checkpoint: ${(e as Error).message}`, { retryable: false, cause: e });
        }
      }
      progress.checkpoint = cp;
    }
    progress.emit();
  };

  // The head, for an ETA: one search-mode request, only when someone watches progress and MAX_LOGS does not already give the end.
  if (progress.watched && cfg.maxLogs === null) {
    try {
      const h = await source.fetchHead(signal);
      if (h) progress.setHead(h.log_id, h.date);
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
    if (!dryRun) await withRetry(() => dest.prepare(signal), policy, signal, destHooks('destination setup'));
    progress.phase = 'running';
    progress.emit(true);
    for (;;) {
      let page = queue.poll();
      // A page is on its way: hold a partial batch a moment so batches span pages (fewer, larger requests).
      if (!page && batcher.size > 0 && (await queue.ready(LINGER_MS, signal))) page = queue.poll();
      if (!page) {
        // Nothing fetched yet: send what is held rather than wait for a full batch.
        await commit();
        const next = await queue.next(signal).catch(async (e: unknown) => {
          await commit();
          throw e;
        });
        if (next === null) break;
        page = next;
      }
      for (const l of page) {
        progress.noteLog(l.date);
        if (!filter.passes(l.type)) {
          c.filtered++;
        } else {
          const e = dest.encode(l);
          if (!batcher.fits(e)) await commit();
          batcher.add(e);
          if (batcher.full) {
            consumed = l.log_id;
            await commit();
            continue;
          }
        }
        consumed = l.log_id;
      }
      // A page of filtered logs (or one that ended on a sent batch) still moves the checkpoint.
      if (batcher.size === 0) await commit();
    }
    await commit();
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
  const checkpoint = progress.checkpoint;
  const report: ExportReport = {
    status,
    destination: dest.kind,
    dryRun,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    startCheckpoint: start,
    processed: c.processed,
    filtered: c.filtered,
    delivered: c.delivered,
    rejected: c.rejected,
    batches: c.batches,
    retries: c.retries,
    rateLimitWaits: c.rateLimitWaits,
    rateLimitWaitMs: c.rateLimitWaitMs,
    unknownTypes: filter.unknownTypesRecord(),
    nextCheckpoint: checkpoint,
    ...(status === 'failed' ? { failedCheckpoint: checkpoint } : {}),
    ...(error ? { error } : {}),
    warnings: cfg.warnings,
    duplicatesPossible,
    durationMs: ended - started,
    logsPerSecond: Math.round(c.processed / Math.max(0.001, (ended - started) / 1000)),
  };
  progress.phase = 'done';
  progress.emit(true);

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
