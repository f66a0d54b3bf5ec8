// Reads what a run of an export job answered (cron history bodies, run-now responses): the engine's
// report when the body is one, else the runtime's error body, and the checkpoints to replay from.
import { RunReport, type RunItem } from '../../../common/contract';
import type { WireHistoryItem } from '../../webtask/cron';
import { LOG_ID_IN_TEXT as LOG_ID } from '../../../common/checkpoint';

const NAMED = /(?:failed checkpoint|replay from)[:\s]+(\d{56})\b/i;
/** The emulator's and the extensions' words for a run that failed before its first checkpoint. */
const AT_START = /failed checkpoint[:\s]+\(?start\)?/i;
const MAX_ERROR = 2000;

export interface ParsedRun {
  report?: RunReport;
  error?: string;
  checkpoint: string | null;
  failedCheckpoint: string | null;
  /** Failed before its first checkpoint: the replay starts from the oldest log. */
  failedAtStart?: boolean;
  processed: number | null;
  delivered: number | null;
}

function asReport(v: unknown): RunReport | undefined {
  const r = RunReport.safeParse(v);
  return r.success ? r.data : undefined;
}

const cut = (s: string) => (s.length > MAX_ERROR ? `${s.slice(0, MAX_ERROR)}…` : s);

/** `ok` is the HTTP outcome; a 2xx body that is a failed report still counts as a failure. */
export function parseRunBody(body: string | null | undefined, ok: boolean, transportError?: string | null): ParsedRun {
  let json: unknown;
  if (body) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  const obj = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const report = asReport(obj) ?? asReport(obj?.report);
  if (report) {
    const failed = report.status !== 'ok';
    return {
      report,
      ...(report.error ? { error: cut(report.error) } : {}),
      checkpoint: report.nextCheckpoint,
      failedCheckpoint: failed ? (report.failedCheckpoint ?? report.nextCheckpoint) : null,
      ...(failed && !report.failedCheckpoint && !report.nextCheckpoint ? { failedAtStart: true } : {}),
      processed: report.processed,
      delivered: report.delivered,
    };
  }
  let error: string | undefined;
  if (!ok || transportError) {
    const pick = (k: string) => (typeof obj?.[k] === 'string' && obj[k] ? (obj[k] as string) : undefined);
    error =
      transportError ||
      pick('message') ||
      pick('details') ||
      pick('error') ||
      (body ? body.slice(0, 300) : 'the run failed with no message');
  }
  // The runtime's error body keeps only the message: take a checkpoint from it when it names one
  // ("failed checkpoint: X" as the emulator's export says, else any log id it quotes).
  const named = error ? (NAMED.exec(error)?.[1] ?? LOG_ID.exec(error)?.[0]) : undefined;
  const atStart = !named && error !== undefined && AT_START.test(error);
  return {
    ...(error ? { error: cut(error) } : {}),
    checkpoint: null,
    failedCheckpoint: named ?? null,
    ...(atStart ? { failedAtStart: true } : {}),
    processed: null,
    delivered: null,
  };
}

export function toRunItem(h: WireHistoryItem, source: RunItem['source'] = 'cron'): RunItem {
  const http = h.statusCode ?? null;
  const ok = h.type === 'success';
  const p = parseRunBody(h.body, ok, h.error);
  const failed = !ok || p.report?.status === 'failed' || p.report?.status === 'cancelled';
  const started = h.started_at ? Date.parse(h.started_at) : NaN;
  const completed = h.completed_at ? Date.parse(h.completed_at) : NaN;
  const duration =
    typeof h.duration_ms === 'number' ? h.duration_ms : Number.isFinite(started) && Number.isFinite(completed) ? completed - started : null;
  return {
    source,
    scheduledAt: h.scheduled_at,
    startedAt: h.started_at,
    completedAt: h.completed_at,
    type: failed ? 'error' : 'success',
    statusCode: http,
    durationMs: duration,
    processed: p.processed,
    delivered: p.delivered,
    checkpoint: p.checkpoint,
    failedCheckpoint: p.failedCheckpoint,
    ...(failed && p.failedAtStart ? { failedAtStart: true } : {}),
    ...(p.error ? { error: p.error } : {}),
    ...(p.report ? { report: p.report } : {}),
  };
}

/** A local replay's report as a history item. */
export function reportItem(report: RunReport): RunItem {
  const failed = report.status !== 'ok';
  return {
    source: 'local',
    scheduledAt: null,
    startedAt: report.startedAt,
    completedAt: report.endedAt,
    type: failed ? 'error' : 'success',
    statusCode: null,
    durationMs: report.durationMs,
    processed: report.processed,
    delivered: report.delivered,
    checkpoint: report.nextCheckpoint,
    failedCheckpoint: failed ? (report.failedCheckpoint ?? report.nextCheckpoint) : null,
    ...(failed && !report.failedCheckpoint && !report.nextCheckpoint ? { failedAtStart: true } : {}),
    ...(report.error ? { error: cut(report.error) } : {}),
    report,
  };
}
