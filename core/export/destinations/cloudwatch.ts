import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  PutLogEventsCommand,
  type RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import type { ExportConfig } from '../config';
import { CancelledError, DeliveryError } from '../retry';
import type { Auth0Log } from '../source';
import { type Destination, type DestinationDeps, type Encoded, logTime } from './types';

const DAY = 24 * 3600 * 1000;

interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function toDeliveryError(e: unknown, signal: AbortSignal, what: string): Error {
  if (signal.aborted) return new CancelledError();
  const err = e as AwsError;
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? err.code ?? 'Error';
  const throttled = name === 'ThrottlingException' || name === 'ServiceUnavailableException' || name === 'LimitExceededException';
  const retryable = status === undefined || status >= 500 || status === 429 || throttled;
  const hint =
    name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'AccessDeniedException'
      ? ': check AWS_ACCESS_KEY_ID, AWS_SECRET_KEY and AWS_REGION (the key needs logs:PutLogEvents and logs:DescribeLogStreams)'
      : '';
  return new DeliveryError(`CloudWatch ${what} failed: ${name}: ${err.message ?? ''}${hint}`.trim(), { retryable, status, cause: e });
}

/** CloudWatch Logs via the AWS SDK; events carry the log's own date, batches respect every PutLogEvents limit. */
export function cloudwatchDestination(
  cfg: NonNullable<ExportConfig['cloudwatch']>,
  deps: DestinationDeps,
  maxEvents: number | null,
): Destination {
  const client = new CloudWatchLogsClient({
    region: cfg.region,
    endpoint: cfg.endpoint,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    // The engine owns retries (backoff, counting, never skipping); the SDK's own would hide them.
    maxAttempts: 1,
    requestHandler: { requestTimeout: deps.requestTimeoutMs, connectionTimeout: Math.min(deps.requestTimeoutMs, 10_000) },
  });
  const ids = { logGroupName: cfg.group, logStreamName: cfg.stream };

  async function ensureExists(signal: AbortSignal): Promise<void> {
    try {
      const found = await client.send(
        new DescribeLogStreamsCommand({ logGroupName: cfg.group, logStreamNamePrefix: cfg.stream, limit: 50 }),
        { abortSignal: signal },
      );
      if (found.logStreams?.some((s) => s.logStreamName === cfg.stream)) return;
    } catch (e) {
      if ((e as AwsError).name !== 'ResourceNotFoundException') throw toDeliveryError(e, signal, 'DescribeLogStreams');
    }
    if (!cfg.create) {
      throw new DeliveryError(
        `CloudWatch log group ${cfg.group} or stream ${cfg.stream} does not exist: create them, or set CLOUDWATCH_CREATE to true to let the export create them`,
        { retryable: false },
      );
    }
    for (const cmd of [new CreateLogGroupCommand({ logGroupName: cfg.group }), new CreateLogStreamCommand(ids)]) {
      try {
        await client.send(cmd as CreateLogGroupCommand, { abortSignal: signal });
      } catch (e) {
        if ((e as AwsError).name !== 'ResourceAlreadyExistsException')
          throw toDeliveryError(e, signal, cmd.constructor.name.replace(/Command$/, ''));
      }
    }
  }

  return {
    kind: 'cloudwatch',
    limits: { maxEvents: Math.min(maxEvents ?? 10_000, 10_000), maxBytes: 1_048_576, perEventBytes: 26, maxSpanMs: DAY },
    encode(log: Auth0Log): Encoded {
      const message = JSON.stringify(log);
      return { logId: log.log_id, time: logTime(log), bytes: Buffer.byteLength(message, 'utf8'), payload: message };
    },
    prepare: ensureExists,
    async send(batch, signal) {
      // PutLogEvents wants chronological order; logs come ordered by log_id, which may differ from date order.
      const events = batch.map((e) => ({ timestamp: e.time, message: e.payload as string })).sort((a, b) => a.timestamp - b.timestamp);
      let out;
      try {
        out = await client.send(new PutLogEventsCommand({ ...ids, logEvents: events }), { abortSignal: signal });
      } catch (e) {
        if ((e as AwsError).name === 'ResourceNotFoundException' && cfg.create) {
          await ensureExists(signal);
          throw new DeliveryError('CloudWatch log group or stream was missing; created it', { retryable: true, cause: e });
        }
        throw toDeliveryError(e, signal, 'PutLogEvents');
      }
      return rejectedCount(out.rejectedLogEventsInfo, events.length);
    },
    async close() {
      client.destroy();
    },
  };
}

function rejectedCount(info: RejectedLogEventsInfo | undefined, n: number): { rejected: number; rejectedReason?: string } {
  if (!info) return { rejected: 0 };
  const rejected = new Set<number>();
  const reasons: string[] = [];
  if (info.tooOldLogEventEndIndex !== undefined) {
    for (let i = 0; i < Math.min(n, info.tooOldLogEventEndIndex); i++) rejected.add(i);
    reasons.push('older than 14 days');
  }
  if (info.expiredLogEventEndIndex !== undefined) {
    for (let i = 0; i < Math.min(n, info.expiredLogEventEndIndex); i++) rejected.add(i);
    reasons.push("older than the group's retention");
  }
  if (info.tooNewLogEventStartIndex !== undefined) {
    for (let i = info.tooNewLogEventStartIndex; i < n; i++) rejected.add(i);
    reasons.push('more than 2 hours in the future');
  }
  return { rejected: rejected.size, rejectedReason: reasons.join(', ') };
}
