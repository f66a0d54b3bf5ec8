/**
 * The fleet's reads, as the protocol pages them (docs/webtask-protocol.md), through the one client
 * that holds the token, every request behind the shared rate-limit gate (429 retried after the wait
 * the cluster names). List items keep only what the fleet needs: never a webtask's token.
 */
import { HostError } from '../util/errors';
import { parseJsonBody, stringRecord } from '../webtask/api';
import type { WebtaskClient } from '../webtask/client';
import { WireCronJob } from '../webtask/cron';
import { RateGate } from './gate';

export interface WireItem {
  container: string;
  name: string;
  meta?: Record<string, string>;
  code?: string;
}

type Query = Record<string, string | number | boolean | undefined | string[]>;
const enc = encodeURIComponent;

export class FleetWire {
  /** Requests sent (retries included). */
  requests = 0;

  constructor(
    private readonly client: WebtaskClient,
    readonly gate: RateGate = new RateGate(),
    private readonly signal?: AbortSignal,
  ) {}

  get cancelled(): boolean {
    return this.signal?.aborted ?? false;
  }

  /** A GET whose 429s are waited out (the whole fleet pauses) and whose errors carry the server's message. */
  async get(path: string, query: Query, what: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      await this.gate.ready(this.signal);
      this.requests++;
      const res = await this.client.raw('GET', path, { query, headers: { accept: 'application/json' }, signal: this.signal });
      this.gate.observe(res.headers);
      if (res.status === 429) {
        if (attempt >= this.gate.maxRetries) {
          throw new HostError('bad_response', `${what}: the cluster still answered 429 Too Many Requests after ${attempt + 1} tries.`, {
            status: 429,
          });
        }
        this.gate.limitedBy(res.headers, attempt);
        continue;
      }
      return parseJsonBody(res, what).value;
    }
  }

  private items(value: unknown, what: string, container?: string): WireItem[] {
    if (!Array.isArray(value))
      throw new HostError('bad_response', `The cluster answered ${what} with JSON that is not a list of webtasks.`);
    const out: WireItem[] = [];
    for (const v of value) {
      const w = v as Record<string, unknown> | null;
      if (!w || typeof w !== 'object' || typeof w.name !== 'string')
        throw new HostError('bad_response', `The cluster answered ${what} with a list item that has no name.`);
      const c = typeof w.container === 'string' ? w.container : container;
      if (!c) throw new HostError('bad_response', `The cluster answered ${what} with an item that names no container.`);
      const meta = stringRecord(w.meta);
      out.push({ container: c, name: w.name, ...(meta ? { meta } : {}), ...(typeof w.code === 'string' ? { code: w.code } : {}) });
    }
    return out;
  }

  /** One page of the cross-container list (master token). */
  async crossPage(offset: number, limit: number): Promise<WireItem[]> {
    const what = 'listing webtasks across containers';
    return this.items(await this.get('/api/webtask', { offset: offset || undefined, limit }, what), what);
  }

  /** One page of a container's list, optionally with meta filters (AND) and code. */
  async listPage(container: string, opts: { offset: number; limit: number; meta?: string[]; code?: boolean }): Promise<WireItem[]> {
    const what = `listing container "${container}"`;
    const q: Query = {
      offset: opts.offset || undefined,
      limit: opts.limit,
      meta: opts.meta?.length ? opts.meta : undefined,
      fetch_code: opts.code || undefined,
    };
    return this.items(await this.get(`/api/webtask/${enc(container)}`, q, what), what, container);
  }

  /** Every item of a container, page after page until a short one (bounded). */
  async listAll(container: string, opts: { meta?: string[]; code?: boolean; limit?: number; maxPages?: number } = {}): Promise<WireItem[]> {
    const limit = opts.limit ?? 100;
    const out: WireItem[] = [];
    for (let page = 0; page < (opts.maxPages ?? 200); page++) {
      const items = await this.listPage(container, { offset: page * limit, limit, meta: opts.meta, code: opts.code });
      out.push(...items);
      if (items.length < limit) break;
    }
    return out;
  }

  /** Every cron job of a container (pages of 100). */
  async cronJobs(container: string): Promise<WireCronJob[]> {
    const limit = 100;
    const out: WireCronJob[] = [];
    for (let page = 0; page < 50; page++) {
      const what = `listing the cron jobs of "${container}"`;
      const value = await this.get(`/api/cron/${enc(container)}`, { offset: page * limit || undefined, limit }, what);
      const parsed = WireCronJob.array().safeParse(value);
      if (!parsed.success) throw new HostError('bad_response', `The cluster answered ${what} with an unexpected shape.`);
      out.push(...parsed.data);
      if (parsed.data.length < limit) break;
    }
    return out;
  }

  /** Webtask storage (`{checkpointId}` for export jobs); undefined when empty. */
  async storage(container: string, name: string): Promise<unknown> {
    const what = `reading the storage of "${name}"`;
    const r = (await this.get(`/api/webtask/${enc(container)}/${enc(name)}/data`, {}, what)) as { data?: unknown } | undefined;
    if (!r || typeof r.data !== 'string') return undefined;
    try {
      return JSON.parse(r.data) as unknown;
    } catch {
      throw new HostError('bad_response', `The storage of "${name}" does not hold JSON.`);
    }
  }
}
