// The loopback relay of bench/logs-core.ts, in its own process (so its work is not counted against
// either consumer): prints its URL as one line; reads "container NAME" lines on stdin (where log
// streams go from then on); prints "first MS" (Date.now()) when a log stream's answer begins.
// Every log stream is asked for from the start of the emulator's buffer (`Last-Event-ID: 0`) unless
// the consumer sent its own id (a resume stays a resume). The emulator's socket is read without
// back-pressure, so the emulator never cuts a slow consumer.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const target = new URL(process.argv[2] ?? '');
let container = '';
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.startsWith('container ')) container = l.slice('container '.length);
});
process.stdin.on('end', () => process.exit(0));

const server = createServer((req, res) => {
  const path = (req.url ?? '/').replace(/^\/api\/logs\/tenant\/[^/?]+/, `/api/logs/tenant/${encodeURIComponent(container)}`);
  const logs = path.startsWith('/api/logs/');
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
  if (logs && headers['last-event-id'] === undefined) headers['last-event-id'] = '0';
  const up = request({ host: target.hostname, port: target.port, method: req.method, path, headers }, (ur) => {
    if (logs) process.stdout.write(`first ${Date.now()}\n`);
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.on('data', (c: Buffer) => res.write(c));
    ur.on('end', () => res.end());
    ur.on('error', () => res.destroy());
  });
  up.on('error', () => res.destroy());
  res.on('close', () => up.destroy());
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
