import { randomUUID } from 'node:crypto';
import type { ExportConfig } from '../config';
import { DeliveryError, sleep } from '../retry';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, type Encoded, logTime, post } from './types';

/**
 * `time` as splunk-logging (the old extension's client) formatted it: epoch seconds with exactly
 * three decimals, as a string.
 */
export function splunkTime(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * One HEC event as SPLUNK_FORMAT asks. `compatible` is what the old Splunk sender posted through
 * splunk-logging: `{time: "<s.mmm>", event: {message: <the log>, severity: "info"}}`; `compact` puts
 * the log itself in `event`, `time` as a number, and index/source/sourcetype when configured.
 */
export function splunkEvent(log: Auth0Log, cfg: NonNullable<ExportConfig['splunk']>): Record<string, unknown> {
  const ms = logTime(log);
  if (cfg.format === 'compatible') return { time: splunkTime(ms), event: { message: log, severity: 'info' } };
  const out: Record<string, unknown> = { time: ms / 1000 };
  if (cfg.index) out.index = cfg.index;
  if (cfg.source) out.source = cfg.source;
  if (cfg.sourcetype) out.sourcetype = cfg.sourcetype;
  out.event = log;
  return out;
}

/** HEC's answer body: `{text, code}` (plus `invalid-event-number` for a bad event, `ackId` with acknowledgement on). */
interface HecAnswer {
  text?: string;
  code?: number;
  'invalid-event-number'?: number;
  ackId?: number;
}

function parse(text: string): HecAnswer {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as HecAnswer) : {};
  } catch {
    return {};
  }
}

/** HEC status codes that mean a setting is wrong (token, index, acknowledgement): retrying cannot help. */
const SETTING_CODES: Record<number, string> = {
  1: 'check SPLUNK_TOKEN (the token is disabled)',
  2: 'check SPLUNK_TOKEN (it is required)',
  3: 'check SPLUNK_TOKEN',
  4: 'check SPLUNK_TOKEN (Splunk does not know it)',
  7: 'check SPLUNK_INDEX (the token may not write to it)',
  10: 'turn SPLUNK_ACK on: this token requires indexer acknowledgement',
  11: 'turn SPLUNK_ACK on: this token requires indexer acknowledgement',
  14: 'turn SPLUNK_ACK off: acknowledgement is disabled for this token',
};

/**
 * Splunk HTTP Event Collector: batched JSON events to /services/collector/event with
 * `Authorization: Splunk <token>`. With SPLUNK_ACK, each batch is sent on this run's channel and
 * counts as delivered only once /services/collector/ack says it was indexed.
 */
export function splunkDestination(cfg: NonNullable<ExportConfig['splunk']>, deps: DestinationDeps, maxEvents: number | null): Destination {
  const channel = randomUUID();
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Splunk ${cfg.token}` };
  if (cfg.ack) headers['x-splunk-request-channel'] = channel;
  const ackUrl = new URL(cfg.url);
  ackUrl.pathname = ackUrl.pathname.replace(/\/services\/collector(\/.*)?$/, '/services/collector/ack');
  ackUrl.searchParams.set('channel', channel);
  const explain = (status: number, text: string) => {
    const a = parse(text);
    if (typeof a.code !== 'number') return undefined;
    const fix = SETTING_CODES[a.code];
    const which = a['invalid-event-number'] !== undefined ? ` (event ${a['invalid-event-number']} of the batch)` : '';
    return { message: `${a.text ?? 'error'} (HEC code ${a.code})${which}${fix ? `: ${fix}` : ''}`, retryable: fix ? false : undefined };
  };

  async function waitForAck(ackId: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + deps.requestTimeoutMs;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const text = await post(
        deps,
        'Splunk acknowledgement',
        ackUrl.toString(),
        { headers, body: JSON.stringify({ acks: [ackId] }), explain },
        signal,
      );
      const acks = (JSON.parse(text || '{}') as { acks?: Record<string, boolean> }).acks ?? {};
      if (acks[String(ackId)] === true) return;
      if (Date.now() + wait > deadline) {
        // Not indexed in time: the batch may or may not be stored, so it is sent again (at most a duplicate, never a loss).
        throw new DeliveryError(`Splunk did not acknowledge batch ${ackId} within ${deps.requestTimeoutMs} ms`, { retryable: true });
      }
      await sleep(wait, signal);
    }
  }

  return {
    kind: 'splunk',
    // HEC's max_content_length was 1,000,000 bytes for years and Splunk Cloud still caps requests near 1 MB: stay under it with any installation.
    limits: { maxEvents: Math.min(maxEvents ?? 1000, 1000), maxBytes: 1_000_000, perEventBytes: 0 },
    encode(log: Auth0Log): Encoded {
      const json = JSON.stringify(splunkEvent(log, cfg));
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(json), payload: json };
    },
    async prepare() {},
    async send(batch, signal) {
      // Events are concatenated JSON objects, as splunk-logging sent them (HEC splits them itself).
      const text = await post(
        deps,
        'Splunk HEC',
        cfg.url,
        { headers, body: batch.map((e) => e.payload as string).join(''), explain },
        signal,
      );
      const a = parse(text);
      if (a.code !== undefined && a.code !== 0)
        throw new DeliveryError(`Splunk HEC answered ${a.text ?? ''} (HEC code ${a.code})`, { retryable: false });
      if (cfg.ack) {
        if (typeof a.ackId !== 'number')
          throw new DeliveryError('Splunk HEC gave no ackId: turn SPLUNK_ACK off, or enable indexer acknowledgement on the token', {
            retryable: false,
          });
        await waitForAck(a.ackId, signal);
      }
      return { rejected: 0 };
    },
    async close() {},
  };
}
