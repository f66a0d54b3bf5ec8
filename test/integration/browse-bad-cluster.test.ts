// A cluster that misbehaves in ways the emulator does not: malformed JSON, non-UTF-8 code, a huge list.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inspection } from '../../common/contract';
import { createSession } from '../../core/host';
import { callOk, hostOnEmulator } from '../helpers/host';

const TOKEN = 'bad-cluster-master-token-42';
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/webtask/malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"name": "half');
    } else if (path === '/api/webtask/shape') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"not":"a list"}');
    } else if (path === '/api/webtask/latin1/legacy') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.from('{"name":"legacy","token":"x.y.z","meta":{}}'));
    } else if (path === '/api/tokens/inspect') {
      // Latin-1 bytes (0xE9 = "é") inside the code string: not valid UTF-8.
      res.writeHead(200, { 'content-type': 'application/json' });
      // Also: decrypted secrets under ectx and secrets, and one quoted under an unrelated claim.
      const secrets = '"ectx":{"API_KEY":"sk-very-secret-1"},"secrets":{"API_KEY":"sk-very-secret-1"},"note":["sk-very-secret-1"]';
      res.end(
        Buffer.concat([
          Buffer.from(`{"ten":"latin1","jtn":"legacy",${secrets},"code":"// caf`),
          Buffer.from([0xe9]),
          Buffer.from('\\nmodule.exports = 1;"}'),
        ]),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 404, message: 'nothing here' }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a misbehaving cluster', () => {
  it('a malformed or wrongly shaped list is a clear bad_response', async () => {
    const h = await hostOnEmulator({ url, masterToken: TOKEN }, { container: 'malformed' });
    try {
      const s = createSession(h.host.deps, 's', () => {});
      const r1 = await h.host.call('webtasks.list', { container: 'malformed' }, s);
      expect(r1).toMatchObject({ ok: false, error: { code: 'bad_response' } });
      if (!r1.ok) expect(r1.error.message).toMatch(/not JSON/);
      const r2 = await h.host.call('webtasks.list', { container: 'shape' }, s);
      if (r2.ok) throw new Error('expected a failure');
      expect(r2.error.message).toMatch(/not a list of webtasks/);
    } finally {
      await h.close();
    }
  });

  it('code that is not UTF-8 is shown with replacement characters and flagged', async () => {
    const h = await hostOnEmulator({ url, masterToken: TOKEN }, { container: 'latin1' });
    try {
      const ins = await callOk<Inspection>(h.host, 'webtasks.inspect', { container: 'latin1', name: 'legacy' });
      expect(ins.code?.notUtf8).toBe(true);
      expect(ins.code?.replacements).toBe(1);
      expect(ins.code?.text).toContain('caf\uFFFD');
      // Secret values come only through reveal, whatever claim a cluster puts them under.
      expect(ins.secretKeys).toEqual(['API_KEY']);
      expect(JSON.stringify(ins)).not.toContain('sk-very-secret-1');
      expect(ins.claims.note).toEqual(['(secret API_KEY)']);
    } finally {
      await h.close();
    }
  });
});

describe('a list answer larger than the client accepts', () => {
  it('is refused with a clear too_large message, not buffered without bound', async () => {
    const { startEmulator } = await import('../../emulator/index');
    const { WebtaskClient } = await import('../../core/webtask/client');
    const { listPage } = await import('../../core/webtask/api');
    const emu = await startEmulator({ port: 0, seed: 'demo', quiet: true });
    try {
      const client = new WebtaskClient({ url: emu.url, token: emu.masterToken, maxBodyBytes: 64 * 1024 });
      const err = await listPage(client, 'bulk-10k', { offset: 0, limit: 1000 }).then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(err?.code).toBe('too_large');
      expect(err?.message).toBe('The cluster sent more than 64 KB for GET /api/webtask/bulk-10k; refused.');
      expect(err?.message).not.toContain(emu.masterToken);
    } finally {
      await emu.close();
    }
  });
});

describe('the wire, as the protocol pages', () => {
  it('never sends offset=0, sends repeated meta= (AND) plus the discovery filter, and the Bearer header', async () => {
    const { fixedServer } = await import('../helpers/host');
    const fixed = await fixedServer(200, []);
    const h = await hostOnEmulator({ url: fixed.url, masterToken: TOKEN }, { container: 'acme' });
    try {
      await callOk(h.host, 'webtasks.list', {
        container: 'acme',
        meta: [
          { key: 'team', value: 'payments' },
          { key: 'tier', value: 'gold' },
        ],
        auth0Only: true,
      });
      await callOk(h.host, 'webtasks.list', { container: 'acme', offset: 200, limit: 100 });
      const [first, second] = fixed.requests.map((r) => new URL(r.url, fixed.url));
      expect(first!.pathname).toBe('/api/webtask/acme');
      expect(first!.searchParams.has('offset')).toBe(false);
      expect(first!.searchParams.get('limit')).toBe('100');
      expect(first!.searchParams.getAll('meta')).toEqual(['team:payments', 'tier:gold', 'auth0-extension:runtime']);
      expect(second!.searchParams.get('offset')).toBe('200');
      expect(fixed.requests[0]!.auth).toBe(`Bearer ${TOKEN}`);
    } finally {
      await h.close();
      await fixed.close();
    }
  });
});
