/**
 * The diagnostics log (common/contract/diagnostics.ts): what the platform's monitoring guide asks to
 * capture, across profiles and tenants. `recordInvocation` and `recordDiscovery` are the two hooks the
 * webtasks feature calls at the end of its invoke and discovery; everything else (what is kept,
 * redaction, rotation, search, export) lives here and in ../diagnostics-log.ts.
 */
import { randomBytes } from 'node:crypto';
import type {
  ParsedInput,
  Discovery,
  DiagnosticsEntry,
  DiagnosticsQuery,
  DiagnosticsSettings,
  DiscoveryEntry,
  DiscoveryPage,
  InvocationEntry,
  InvocationRecord,
  STATUS_CLASSES,
} from '../../../common/contract';
import { HostError } from '../../util/errors';
import { runPath, takeAcrossExchanges, withListTap, type ListExchange } from '../../webtask/api';
import type { WebtaskClient } from '../../webtask/client';
import { toCurl } from '../../webtask/curl';
import { decodeForDisplay } from '../../webtask/text';
import { audit } from '../audit';
import { diagnosticsLogFor, dropTokenFields } from '../diagnostics-log';
import type { HostDeps } from '../deps';
import { findProfile, type ProfileRecord } from '../profiles-store';
import { defineHandlers, type CallContext } from '../types';

const SETTINGS_KEY = 'diagnostics';
export const EXCERPT_CHARS = 4096;

const readKeepBodies = (deps: HostDeps): boolean => deps.settings.get<{ keepBodies?: boolean }>(SETTINGS_KEY, {}).keepBodies === true;

async function settingsOf(deps: HostDeps): Promise<DiagnosticsSettings> {
  return { keepBodies: readKeepBodies(deps), excerptChars: EXCERPT_CHARS, store: await diagnosticsLogFor(deps).info() };
}

/** A write that fails (full disk, no rights) must not fail the call it records: the user is told instead. */
async function write(
  ctx: CallContext,
  entry: DiagnosticsEntry,
  shrink?: (e: DiagnosticsEntry, max: number) => DiagnosticsEntry,
): Promise<void> {
  try {
    await diagnosticsLogFor(ctx.deps).append(entry, shrink);
  } catch (e) {
    ctx.session.emit('app.notice', {
      level: 'warning',
      message: `The diagnostics log could not be written: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}

const newId = () => randomBytes(8).toString('hex');

// ---------- invocations ----------

/** Records one invocation from the (already redacted) record the invoke handler returns. */
export async function recordInvocation(ctx: CallContext, x: { profile: ProfileRecord; record: InvocationRecord }): Promise<void> {
  const { profile, record: r } = x;
  const keep = readKeepBodies(ctx.deps);
  const url = new URL(profile.url.replace(/\/+$/, '') + runPath(r.container, r.name, r.request.path));
  for (const q of r.request.query) url.searchParams.append(q.name, q.value);
  const requestBody = keep ? r.request.body : undefined;
  const entry: InvocationEntry = {
    kind: 'invocation',
    id: newId(),
    at: r.at,
    profileId: profile.id,
    profile: profile.name,
    cluster: profile.url,
    tenant: r.container,
    extension: r.name,
    method: r.request.method,
    path: r.request.path || '/',
    query: r.request.query,
    requestHeaders: r.request.headers,
    withProfileToken: r.request.withProfileToken,
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.error ? { error: r.error } : {}),
    elapsedMs: r.elapsedMs,
    diagnostics: r.diagnostics,
    response: {
      size: r.body.size,
      ...(r.body.contentType ? { contentType: r.body.contentType } : {}),
      ...(keep
        ? { excerpt: r.body.text.slice(0, EXCERPT_CHARS), excerptTruncated: r.body.truncated || r.body.text.length > EXCERPT_CHARS }
        : {}),
    },
    ...(requestBody !== undefined ? { requestBody } : {}),
    bodiesKept: keep,
    curl: toCurl({
      method: r.request.method,
      url: url.toString(),
      headers: r.request.headers,
      body: requestBody,
      withProfileToken: r.request.withProfileToken,
    }),
  };
  await write(ctx, entry);
}

// ---------- discovery ----------

function pageOf(x: ListExchange): DiscoveryPage {
  const page: DiscoveryPage = {
    request: { method: 'GET', url: x.url, offset: x.offset, limit: x.limit },
    ...(x.status !== undefined ? { status: x.status } : {}),
    ...(x.error ? { error: x.error } : {}),
    elapsedMs: Math.round(x.elapsedMs),
    size: x.size,
    items: 0,
  };
  if (x.bodyDropped)
    return { ...page, notKept: 'This discovery read more pages than the console holds for the log; the answer was not kept.' };
  if (!x.body) return page;
  const { text } = decodeForDisplay(x.body);
  let response: unknown = text;
  try {
    response = JSON.parse(text);
  } catch {
    /* kept as text: the cluster's own words */
  }
  // Token fields go here already (and again, with anything token-shaped, when the log writes).
  return { ...page, items: Array.isArray(response) ? response.length : 0, response: dropTokenFields(response) };
}

/** Drops page answers from the last until the entry fits the log's file cap, saying so on each. */
function shrinkDiscovery(e: DiagnosticsEntry, maxBytes: number): DiagnosticsEntry {
  if (e.kind !== 'discovery') return e;
  const pages = [...e.pages];
  const size = () => Buffer.byteLength(JSON.stringify({ ...e, pages }));
  for (let i = pages.length - 1; i >= 0 && size() > maxBytes * 0.9; i--) {
    const { response: _r, ...rest } = pages[i]!;
    pages[i] = { ...rest, notKept: `Left out: the whole entry would exceed the log's ${Math.round(maxBytes / 1048576)} MB file cap.` };
  }
  return { ...e, pages };
}

/** Records one discovery call: the pages the client read (request and entire answer, tokens removed). */
export async function recordDiscovery(
  ctx: CallContext,
  x: { profile: ProfileRecord; client: WebtaskClient; discovery: Discovery; auto: boolean },
): Promise<void> {
  const { profile, discovery } = x;
  const exchanges = takeAcrossExchanges(x.client);
  const pages = exchanges.map(pageOf);
  const containers = new Set<string>();
  for (const p of pages)
    if (Array.isArray(p.response))
      for (const w of p.response)
        if (w && typeof w === 'object' && typeof (w as { container?: unknown }).container === 'string')
          containers.add((w as { container: string }).container);
  const last = exchanges[exchanges.length - 1];
  const entry: DiscoveryEntry = {
    kind: 'discovery',
    id: newId(),
    at: discovery.at ?? new Date().toISOString(),
    profileId: profile.id,
    profile: profile.name,
    cluster: profile.url,
    ...(last?.status !== undefined ? { status: last.status } : {}),
    ...(last?.error ? { error: { code: 'unreachable', message: last.error } } : {}),
    elapsedMs: Math.round(exchanges.reduce((a, p) => a + p.elapsedMs, 0)),
    scope: 'tenants',
    auto: x.auto,
    state: discovery.state === 'never' ? 'failed' : discovery.state,
    ...(discovery.message ? { message: discovery.message } : {}),
    found: pages.reduce((a, p) => a + p.items, 0),
    tenants: containers.size,
    pages,
  };
  await write(ctx, entry, shrinkDiscovery);
}

/** The protocol's "extension discovery": a container listing filtered by `meta=auth0-extension:...`. */
const isExtensionDiscovery = (q: ParsedInput<'webtasks.list'>) => q.auth0Only || q.meta.some((m) => m.key.startsWith('auth0-extension'));

/**
 * Runs a container listing and, when it is an extension discovery, records it with the pages it read
 * (the entire answers, tokens removed), whether it answered or failed. Other listings run untouched.
 */
export async function recordExtensionDiscovery<T>(ctx: CallContext, q: ParsedInput<'webtasks.list'>, list: () => Promise<T>): Promise<T> {
  if (!isExtensionDiscovery(q)) return list();
  const at = new Date().toISOString();
  const { pages: exchanges, value, error } = await withListTap(list);
  let profile: ProfileRecord | undefined;
  try {
    profile = findProfile(ctx.deps, q.profileId);
  } catch {
    /* no such profile: nothing reached a cluster, nothing to record */
  }
  if (profile && exchanges.length > 0) {
    const pages = exchanges.map(pageOf);
    const last = exchanges[exchanges.length - 1]!;
    const code = error instanceof HostError ? error.code : undefined;
    const found = pages.reduce((a, p) => a + p.items, 0);
    const meta = [...q.meta.map((m) => `${m.key}:${m.value}`), ...(q.auth0Only ? ['auth0-extension:runtime'] : [])];
    await write(
      ctx,
      {
        kind: 'discovery',
        id: newId(),
        at,
        profileId: profile.id,
        profile: profile.name,
        cluster: profile.url,
        ...(last.status !== undefined ? { status: last.status } : {}),
        ...(error ? { error: { code: code ?? 'internal', message: error instanceof Error ? error.message : String(error) } } : {}),
        elapsedMs: Math.round(exchanges.reduce((a, p) => a + p.elapsedMs, 0)),
        scope: 'extensions',
        tenant: q.container,
        auto: false,
        state: !error ? 'ok' : code === 'forbidden' || code === 'unauthorized' ? 'forbidden' : 'failed',
        message: error
          ? `Extension discovery in ${q.container} failed.`
          : `${found} extensions in ${q.container} with ${meta.join(' and ')}.`,
        found,
        tenants: found > 0 ? 1 : 0,
        pages,
      },
      shrinkDiscovery,
    );
  }
  if (error !== undefined) throw error;
  return value as T;
}

// ---------- reading ----------

export function statusClass(status: number | undefined): (typeof STATUS_CLASSES)[number] | undefined {
  if (status === undefined) return 'none';
  if (status >= 200 && status < 600) return `${Math.floor(status / 100)}xx` as '2xx';
  return undefined;
}

export function matches(e: DiagnosticsEntry, q: Omit<DiagnosticsQuery, 'limit'>, line?: () => string): boolean {
  if (q.kind && e.kind !== q.kind) return false;
  if (q.profileId && e.profileId !== q.profileId) return false;
  if (q.since && e.at < q.since) return false;
  if (q.statusClass && statusClass(e.status) !== q.statusClass) return false;
  if (q.tenant && (e.kind === 'invocation' || e.scope === 'extensions') && e.tenant === q.tenant && !q.extension && !q.source) {
    /* an extension discovery of this tenant */
  } else if (q.tenant || q.extension || q.source) {
    if (e.kind !== 'invocation') return false;
    if (q.tenant && e.tenant !== q.tenant) return false;
    if (q.extension && e.extension !== q.extension) return false;
    if (q.source && (e.diagnostics.source ?? 'none') !== q.source.toLowerCase()) return false;
  }
  if (q.text && !(line ? line() : JSON.stringify(e)).toLowerCase().includes(q.text.toLowerCase())) return false;
  return true;
}

/** List views leave a discovery's page answers out (they can be megabytes); `diagnostics.get` has them. */
const summary = (e: DiagnosticsEntry): DiagnosticsEntry =>
  e.kind === 'discovery' ? { ...e, pages: e.pages.map(({ response: _r, ...p }) => p) } : e;

const CSV_COLUMNS = [
  'at',
  'kind',
  'profile',
  'tenant',
  'extension',
  'method',
  'path',
  'status',
  'error',
  'elapsed_ms',
  'response_source',
  'stats_header',
  'stats',
  'proxy_stats',
  'req_id',
  'response_bytes',
  'extensions_found',
  'tenants_found',
  'pages',
] as const;

/**
 * RFC 4180 quoting, plus a leading `'` on text cells a spreadsheet would run as a formula. Hand-rolled:
 * twenty lines, and no CSV library is among the dependencies.
 */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(entries: DiagnosticsEntry[]): string {
  const rows = entries.map((e) => {
    const inv = e.kind === 'invocation' ? e : undefined;
    const dis = e.kind === 'discovery' ? e : undefined;
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      at: e.at,
      kind: e.kind,
      profile: e.profile,
      tenant: inv?.tenant,
      extension: inv?.extension,
      method: inv?.method ?? 'GET',
      path: inv?.path ?? '/api/webtask',
      status: e.status,
      error: e.error?.message,
      elapsed_ms: e.elapsedMs,
      response_source: inv?.diagnostics.source,
      stats_header: inv?.diagnostics.statsHeader,
      stats: inv?.diagnostics.stats,
      proxy_stats: inv?.diagnostics.proxyStats,
      req_id: inv?.diagnostics.reqId,
      response_bytes: inv ? inv.response.size : dis?.pages.reduce((a, p) => a + p.size, 0),
      extensions_found: dis?.found,
      tenants_found: dis?.tenants,
      pages: dis?.pages.length,
    };
    return CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

export const diagnosticsHandlers = defineHandlers({
  'diagnostics.list': async (q, { deps }) => {
    const log = diagnosticsLogFor(deps);
    const all = await log.read();
    const hits = all.filter((e) => matches(e, q));
    const invocations = all.filter((e): e is InvocationEntry => e.kind === 'invocation');
    const profiles = new Map(all.map((e) => [e.profileId, e.profile]));
    const uniq = (xs: string[]) => [...new Set(xs)].sort();
    return {
      entries: hits.slice(0, q.limit).map(summary),
      total: hits.length,
      facets: {
        tenants: uniq(invocations.map((e) => e.tenant)),
        extensions: uniq(invocations.filter((e) => !q.tenant || e.tenant === q.tenant).map((e) => e.extension)),
        sources: uniq(invocations.map((e) => e.diagnostics.source ?? 'none')),
        profiles: [...profiles].map(([id, name]) => ({ id, name })),
      },
      store: await log.info(),
    };
  },
  'diagnostics.get': async ({ id }, { deps }) => {
    const e = (await diagnosticsLogFor(deps).read()).find((x) => x.id === id);
    if (!e) throw new HostError('not_found', `No diagnostics entry ${id}: it may have been rotated out or cleared.`);
    return e;
  },
  'diagnostics.export': async ({ format, ...q }, ctx) => {
    // Oldest first, as a log reads.
    const hits = (await diagnosticsLogFor(ctx.deps).read()).filter((e) => matches(e, q)).reverse();
    await audit(ctx, { action: 'diagnostics.export', outcome: 'ok', detail: { format, count: hits.length, ...q } });
    const content = format === 'csv' ? toCsv(hits) : hits.map((e) => JSON.stringify(e)).join('\n') + (hits.length ? '\n' : '');
    return {
      fileName: `diagnostics-${stamp()}.${format === 'csv' ? 'csv' : 'jsonl'}`,
      content: ctx.deps.redactor.strict(content),
      count: hits.length,
    };
  },
  'diagnostics.settings': async (_i, { deps }) => settingsOf(deps),
  'diagnostics.saveSettings': async ({ keepBodies }, ctx) => {
    ctx.deps.settings.set(SETTINGS_KEY, { keepBodies });
    await audit(ctx, { action: 'diagnostics.settings', outcome: 'ok', detail: { keepBodies } });
    return settingsOf(ctx.deps);
  },
  'diagnostics.clear': async (_i, ctx) => {
    const removed = await diagnosticsLogFor(ctx.deps).clear();
    await audit(ctx, { action: 'diagnostics.clear', outcome: 'ok', detail: { removed } });
    return { removed };
  },
});
