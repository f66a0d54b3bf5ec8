// The emulated CloudWatch Logs driven by the real AWS SDK: SigV4 checked, PutLogEvents limits enforced.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportServer, TEST_AWS, startExportServer } from '../helpers/export-server';

let s: ExportServer;
let cw: CloudWatchLogsClient;
const ids = { logGroupName: '/test/cw', logStreamName: 'a' };
beforeAll(async () => {
  s = await startExportServer();
  cw = new CloudWatchLogsClient({ region: TEST_AWS.region, endpoint: `${s.url}/dest/cloudwatch`, credentials: TEST_AWS, maxAttempts: 1 });
});
afterAll(async () => {
  cw.destroy();
  await s.close();
});

const put = (logEvents: Array<{ timestamp: number; message: string }>) => cw.send(new PutLogEventsCommand({ ...ids, logEvents }));
const errName = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => `${e.name}: ${e.message}`,
  );

describe('CloudWatch Logs emulation', () => {
  it('refuses a wrong secret and an unknown key', async () => {
    const bad = new CloudWatchLogsClient({
      region: TEST_AWS.region,
      endpoint: `${s.url}/dest/cloudwatch`,
      credentials: { ...TEST_AWS, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    expect(await errName(bad.send(new CreateLogGroupCommand({ logGroupName: '/x' })))).toMatch(
      /^InvalidSignatureException: The request signature we calculated does not match/,
    );
    const unknown = new CloudWatchLogsClient({
      region: TEST_AWS.region,
      endpoint: `${s.url}/dest/cloudwatch`,
      credentials: { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    expect(await errName(unknown.send(new CreateLogGroupCommand({ logGroupName: '/x' })))).toMatch(/^UnrecognizedClientException/);
    bad.destroy();
    unknown.destroy();
    expect(s.dest.cloudwatch.groups.has('/x')).toBe(false);
  });

  it('needs the group and stream to exist, and creates them once', async () => {
    expect(await errName(put([{ timestamp: Date.now(), message: 'm' }]))).toMatch(
      /^ResourceNotFoundException: The specified log group does not exist/,
    );
    await cw.send(new CreateLogGroupCommand({ logGroupName: ids.logGroupName }));
    expect(await errName(cw.send(new CreateLogGroupCommand({ logGroupName: ids.logGroupName })))).toMatch(
      /^ResourceAlreadyExistsException/,
    );
    expect(await errName(put([{ timestamp: Date.now(), message: 'm' }]))).toMatch(
      /^ResourceNotFoundException: The specified log stream does not exist/,
    );
    await cw.send(new CreateLogStreamCommand(ids));
    const d = await cw.send(new DescribeLogStreamsCommand({ logGroupName: ids.logGroupName, logStreamNamePrefix: 'a' }));
    expect(d.logStreams?.map((x) => x.logStreamName)).toEqual(['a']);
  });

  it('enforces order, count, size and the 24 h span', async () => {
    const now = Date.now();
    expect(
      await errName(
        put([
          { timestamp: now, message: 'b' },
          { timestamp: now - 1, message: 'a' },
        ]),
      ),
    ).toMatch(/chronological order/);
    expect(await errName(put(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'x' }))))).toMatch(
      /^InvalidParameterException.*10000/,
    );
    // 4 events of 262,144 - 26 bytes fit exactly; one more byte does not.
    const exact = 'x'.repeat(262_144 - 26);
    expect(await errName(put(Array.from({ length: 4 }, () => ({ timestamp: now, message: exact }))))).toBe('ok');
    expect(
      await errName(put([...Array.from({ length: 4 }, () => ({ timestamp: now, message: exact })), { timestamp: now, message: 'y' }])),
    ).toMatch(/Upload too large: 1048603 bytes exceeds limit of 1048576/);
    expect(
      await errName(
        put([
          { timestamp: now - 25 * 3600_000, message: 'a' },
          { timestamp: now, message: 'b' },
        ]),
      ),
    ).toMatch(/cannot span more than 24 hours/);
  });

  it('reports too old and too new events in rejectedLogEventsInfo and stores only the rest', async () => {
    const g = { logGroupName: ids.logGroupName, logStreamName: 'rejects' };
    await cw.send(new CreateLogStreamCommand(g));
    const now = Date.now();
    const day = 86_400_000;
    const newer = await cw.send(
      new PutLogEventsCommand({
        ...g,
        logEvents: [
          { timestamp: now, message: 'fine' },
          { timestamp: now + 3 * 3600_000, message: 'too new' },
        ],
      }),
    );
    expect(newer.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const older = await cw.send(
      new PutLogEventsCommand({
        ...g,
        logEvents: [
          { timestamp: now - 14 * day - 60_000, message: 'too old' },
          { timestamp: now - 14 * day + 3_600_000, message: 'fine too' },
        ],
      }),
    );
    expect(older.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    expect(s.dest.cloudwatch.events(g.logGroupName, g.logStreamName).map((e) => e.message)).toEqual(['fine too', 'fine']);
  });

  it('GetLogEvents pages forward from the head, as the SDK reads it', async () => {
    const g = { logGroupName: '/test/read', logStreamName: 's' };
    await cw.send(new CreateLogGroupCommand({ logGroupName: g.logGroupName }));
    await cw.send(new CreateLogStreamCommand(g));
    const t = Date.now() - 60_000;
    await cw.send(
      new PutLogEventsCommand({ ...g, logEvents: Array.from({ length: 25 }, (_, i) => ({ timestamp: t + i, message: `m${i} — Zoë` })) }),
    );
    const got: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await cw.send(new GetLogEventsCommand({ ...g, startFromHead: true, limit: 10, nextToken: token }));
      if (!r.events?.length) break;
      got.push(...r.events.map((e) => e.message!));
      token = r.nextForwardToken;
    }
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => `m${i} — Zoë`));
  });
});
