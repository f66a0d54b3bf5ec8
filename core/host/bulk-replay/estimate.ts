// How many logs a tenant's replay will send, estimated cheaply from its Auth0 logs API.
//
// It is an ESTIMATE, made with three requests (a token, the first page after the checkpoint, the
// newest log), never by reading everything:
// - the first checkpoint page after `from` (take 100): fewer than 100 logs means that is the exact count;
// - otherwise the newest log (search mode, one result): the first 100 logs after `from` span some time,
//   and the count is that rate stretched over the whole span from `from` to the newest log
//   (100 × (newest − from) / (100th − from), times read from each log's `date`, or its id).
// A tenant whose log rate changed much since the outage is off by that change (a burst right after
// the checkpoint makes it high, one near the head makes it low); the plan says it is an estimate.
import { type Auth0Log, createHttp, parseExportConfig } from '../../export';
import { Auth0LogSource } from '../../export/source';
import { logIdTime } from '../../fleet/logid';

const PAGE = 100;

const timeOf = (l: Auth0Log): number | null => {
  const d = typeof l.date === 'string' ? Date.parse(l.date) : NaN;
  return Number.isFinite(d) ? d : logIdTime(l.log_id);
};

export interface Estimate {
  logs: number | null;
  note: string;
}

/** `settings`: the job's decrypted settings (its Auth0 client); `from`: the replay's checkpoint. */
export async function estimateLogs(settings: Record<string, string>, from: string, timeoutMs = 15_000): Promise<Estimate> {
  const { http, close } = createHttp();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // One attempt each: an estimate never waits out a rate limit.
    const { START_FROM: _s, ...rest } = settings;
    const cfg = { ...parseExportConfig(rest), maxRetries: 0, requestTimeoutMs: Math.min(timeoutMs, 10_000) };
    const source = new Auth0LogSource(cfg, http);
    const page = await source.fetchPage(from, PAGE, signal);
    if (page.length < PAGE) return { logs: page.length, note: `exact: ${page.length} log(s) after the checkpoint` };
    const head = await source.fetchHead(signal);
    const t0 = logIdTime(from) ?? timeOf(page[0]!);
    const t100 = timeOf(page[PAGE - 1]!);
    const tHead = head ? timeOf(head) : null;
    if (t0 === null || t100 === null || tHead === null || !head)
      return { logs: null, note: 'no estimate: the logs carry no readable time' };
    if (head.log_id <= page[PAGE - 1]!.log_id) return { logs: PAGE, note: `exact: ${PAGE} log(s) after the checkpoint` };
    const span = Math.max(1, t100 - t0);
    const logs = Math.max(PAGE + 1, Math.round((PAGE * Math.max(span, tHead - t0)) / span));
    return {
      logs,
      note: `estimate: the rate of the first ${PAGE} logs after the checkpoint over the ${Math.round((tHead - t0) / 60_000)} min to the newest log`,
    };
  } catch (e) {
    return { logs: null, note: `no estimate: ${(e as Error).message.slice(0, 200)}` };
  } finally {
    await close().catch(() => undefined);
  }
}
