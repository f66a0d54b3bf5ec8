/**
 * Handlers of common/contract/webtasks.ts' extension channels: a container's extensions page by page,
 * inspection, one-secret reveal, invocation with diagnostics, and the redacted invocation history.
 * The tenants channels are in ./tenants.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExtensionSummary, Inspection, InvocationRecord, ParsedInput } from '../../../common/contract';
import { HostError } from '../../util/errors';
import { getWebtask, inspectToken, listPage, runPath, runWebtask, stringRecord, type WireWebtask } from '../../webtask/api';
import type { WebtaskClient } from '../../webtask/client';
import { toCurl } from '../../webtask/curl';
import { parseDiagnostics } from '../../webtask/diagnostics';
import { countReplacements, decodeForDisplay, decodeJwtClaims } from '../../webtask/text';
import { audit } from '../audit';
import { recordExtensionDiscovery, recordInvocation } from './diagnostics';
import type { HostDeps } from '../deps';
import { findProfile, type ProfileRecord } from '../profiles-store';
import { clientFor } from '../tokens';
import { writeFileAtomic } from '../stores';
import { defineHandlers, type CallContext } from '../types';
import { touchTenant } from './tenants';

// ---------- extensions ----------

const toSummary = (w: WireWebtask, container: string): ExtensionSummary => ({
  name: w.name,
  container: w.container ?? container,
  ...(w.meta ? { meta: w.meta } : {}),
  ...(w.webtask_url ? { webtaskUrl: w.webtask_url } : {}),
});

/** Pages a name search scans per call before answering with what it found (the UI asks again as it scrolls). */
const SEARCH_MAX_PAGES = 20;

async function listExtensions(ctx: CallContext, q: ParsedInput<'webtasks.list'>) {
  const { profile, client } = await clientFor(ctx.deps, q.profileId);
  const meta = q.meta.map((m) => `${m.key}:${m.value}`);
  if (q.auth0Only) meta.push('auth0-extension:runtime');
  if (q.offset === 0) touchTenant(ctx.deps, profile.id, q.container);
  const needle = q.nameContains?.toLowerCase();
  if (!needle) {
    const page = await listPage(client, q.container, { offset: q.offset, limit: q.limit, meta });
    return {
      items: page.map((w) => toSummary(w, q.container)),
      nextOffset: q.offset + page.length,
      mayBeMore: page.length === q.limit,
      pagesRead: 1,
    };
  }
  // No server-side name filter exists: read protocol pages and keep the matches, stopping at `limit` matches.
  const pageSize = Math.max(q.limit, 500);
  const items: ExtensionSummary[] = [];
  let offset = q.offset;
  let pagesRead = 0;
  while (pagesRead < SEARCH_MAX_PAGES) {
    const page = await listPage(client, q.container, { offset, limit: pageSize, meta });
    pagesRead++;
    for (let i = 0; i < page.length; i++) {
      const w = page[i]!;
      if (!w.name.toLowerCase().includes(needle)) continue;
      items.push(toSummary(w, q.container));
      if (items.length === q.limit)
        return { items, nextOffset: offset + i + 1, mayBeMore: i + 1 < page.length || page.length === pageSize, pagesRead };
    }
    offset += page.length;
    if (page.length < pageSize) return { items, nextOffset: offset, mayBeMore: false, pagesRead };
  }
  return { items, nextOffset: offset, mayBeMore: true, pagesRead };
}

interface Fetched {
  tokenKind: 'v1' | 'v2';
  record: Record<string, unknown>;
  claims: Record<string, unknown>;
  secrets: Record<string, string>;
  code?: string;
  notUtf8: boolean;
}

/** v2 profile tokens read the webtask with decrypt/fetch_code; v1 ones go through /api/tokens/inspect (as sandboxjs does). */
async function fetchWebtask(
  deps: HostDeps,
  client: WebtaskClient,
  profile: ProfileRecord,
  container: string,
  name: string,
  opts: { code: boolean },
): Promise<Fetched> {
  const v2 = profile.tokenKind === 'v2';
  const got = await getWebtask(client, container, name, v2 ? { decrypt: true, fetchCode: opts.code } : {});
  const token = typeof got.record.token === 'string' ? got.record.token : undefined;
  // The webtask's own token is a credential too: never let it out, even quoted in an error.
  if (token) deps.redactor.add(token);
  if (v2) {
    const claims = (token && decodeJwtClaims(token)) || {};
    const code = typeof got.record.code === 'string' ? got.record.code : undefined;
    return { tokenKind: 'v2', record: got.record, claims, secrets: stringRecord(got.record.secrets) ?? {}, code, notUtf8: got.notUtf8 };
  }
  if (!token) throw new HostError('bad_response', `The cluster listed "${name}" without a token, so it cannot be inspected.`);
  const ins = await inspectToken(client, token, { decrypt: true, fetchCode: opts.code });
  const claims = ins.record;
  const code = typeof claims.code === 'string' ? claims.code : undefined;
  // Clusters answer decrypted secrets as `ectx`, some also as `secrets`.
  const secrets = { ...(stringRecord(claims.ectx) ?? {}), ...(stringRecord(claims.secrets) ?? {}) };
  return { tokenKind: 'v1', record: got.record, claims, secrets, code, notUtf8: ins.notUtf8 };
}

/**
 * Claims for display: code and secrets summarised, never copied; and, in case a cluster puts a secret's
 * value under some other claim, any string equal to one is masked too (values come only through reveal).
 */
function displayClaims(claims: Record<string, unknown>, secrets: Record<string, string>): Record<string, unknown> {
  const values = new Map(Object.entries(secrets).map(([k, v]) => [v, k]));
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return values.has(v) ? `(secret ${values.get(v)})` : v;
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
    return v;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (k === 'code') out[k] = typeof v === 'string' ? `(${Buffer.byteLength(v)} bytes of code: see Code)` : v;
    else if (k === 'ectx' || k === 'secrets')
      out[k] = v && typeof v === 'object' ? `(${Object.keys(v).length} secrets: see Secrets)` : '(encrypted secrets)';
    else out[k] = mask(v);
  }
  return out;
}

// ---------- invocations ----------

const HISTORY_MAX = 25;
const HISTORY_BODY_CHARS = 64 * 1024;
const BODY_VIEW_BYTES = 256 * 1024;
/** Decoded past the view's cut so a token straddling it is redacted whole (tokens are at most 16 KB, encoded forms 3x). */
const CUT_MARGIN_BYTES = 64 * 1024;
const PRETTY_MAX_BYTES = 4 * 1024 * 1024;
const SENSITIVE_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-wt-token)$/i;
const SENSITIVE_QUERY = /^(key|token|access_token|api_key|sig)$/i;

const historyFile = (deps: HostDeps, profileId: string, container: string, name: string) =>
  join(
    deps.dataDir,
    'invocations',
    `${createHash('sha256').update(`${profileId}\n${container}\n${name}`).digest('hex').slice(0, 32)}.json`,
  );

async function readHistory(deps: HostDeps, file: string): Promise<InvocationRecord[]> {
  try {
    const v: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(v) ? (v as InvocationRecord[]) : [];
  } catch {
    return [];
  }
}

/** Secret values of this extension replaced by their names; tokens and credentials scrubbed. */
function scrub(deps: HostDeps, rec: InvocationRecord, secrets: Record<string, string>): InvocationRecord {
  const pairs = Object.entries(secrets)
    .filter(([, v]) => v.length >= 4)
    .sort((a, b) => b[1].length - a[1].length);
  const hide = (s: string) => {
    let out = s;
    for (const [k, v] of pairs) out = out.split(v).join(`[secret ${k}]`);
    return out;
  };
  const mapped = JSON.parse(JSON.stringify(rec), (_k, v: unknown) => (typeof v === 'string' ? hide(v) : v)) as InvocationRecord;
  return deps.redactor.deep(mapped, 'strict');
}

async function invoke(ctx: CallContext, input: ParsedInput<'webtasks.invoke'>): Promise<InvocationRecord> {
  const { deps } = ctx;
  // The path is checked before anything is sent (even the read of the extension's secrets below).
  let fullPath: string;
  try {
    fullPath = runPath(input.container, input.name, input.path);
  } catch (e) {
    const profile = findProfile(deps, input.profileId);
    await audit(ctx, {
      action: 'webtask.invoke',
      profile: profile.name,
      tenant: input.container,
      target: input.name,
      outcome: 'error',
      detail: { method: input.method, path: input.path, error: 'path_refused' },
    });
    throw e;
  }
  const { profile, client } = await clientFor(deps, input.profileId);
  // Best effort: knowing the secret values lets the history replace them; a failure must not block the call.
  let secrets: Record<string, string> = {};
  // Whether the cluster answered this request's first call: a run that then times out was taken by
  // the cluster and not answered by the extension (stuck), not lost on the way.
  let clusterAnswered = false;
  try {
    secrets = (await fetchWebtask(deps, client, profile, input.container, input.name, { code: false })).secrets;
    clusterAnswered = true;
  } catch (e) {
    /* unknown extension or no rights: the run answers for itself */
    clusterAnswered = e instanceof HostError && e.code !== 'unreachable' && e.code !== 'timeout';
  }
  // A body with no content type: say JSON when it parses as JSON (what an engineer pasting a payload means).
  const hasBody = input.body !== undefined && input.body !== '' && input.method !== 'GET' && input.method !== 'HEAD';
  if (hasBody && !input.headers.some((h) => h.name.toLowerCase() === 'content-type')) {
    let json = false;
    try {
      JSON.parse(input.body!);
      json = true;
    } catch {
      /* plain text */
    }
    input = {
      ...input,
      headers: [...input.headers, { name: 'content-type', value: json ? 'application/json' : 'text/plain; charset=utf-8' }],
    };
  }
  const request = {
    method: input.method,
    path: input.path,
    query: input.query.map((q) => ({ name: q.name, value: SENSITIVE_QUERY.test(q.name) ? '[redacted]' : q.value })),
    headers: input.headers.map((h) => ({ name: h.name, value: SENSITIVE_HEADERS.test(h.name) ? '[redacted]' : h.value })),
    ...(input.body !== undefined && input.body !== '' ? { body: input.body } : {}),
    withProfileToken: input.withProfileToken,
  };
  const url = client.buildUrl(fullPath, {});
  for (const q of request.query) url.searchParams.append(q.name, q.value);
  const curl = toCurl({
    method: input.method,
    url: url.toString(),
    headers: request.headers,
    body: request.body,
    withProfileToken: input.withProfileToken,
  });
  const started = performance.now();
  // What a record says whether the call answered or failed.
  const common = {
    id: randomBytes(6).toString('hex'),
    at: new Date().toISOString(),
    container: input.container,
    name: input.name,
    request,
    curl,
  };
  let record: InvocationRecord;
  try {
    const res = await runWebtask(client, input.container, input.name, input);
    // Redact before cutting: decode a margin past the cut so a token straddling it is seen whole, then cut
    // (the redactor also scrubs a head of a token left at the new end).
    const view = decodeForDisplay(res.body.subarray(0, BODY_VIEW_BYTES + CUT_MARGIN_BYTES));
    const notUtf8 = view.notUtf8;
    const text = deps.redactor.cut(view.text, BODY_VIEW_BYTES);
    const contentType = res.headers['content-type'];
    let pretty: string | undefined;
    if (res.body.length <= PRETTY_MAX_BYTES && (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text))) {
      try {
        pretty = JSON.stringify(JSON.parse(res.body.toString('utf8')), null, 2);
        if (pretty.length > BODY_VIEW_BYTES) pretty = undefined;
      } catch {
        /* not JSON after all: shown as text */
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = SENSITIVE_HEADERS.test(k) ? '[redacted]' : v;
    const diagnostics = parseDiagnostics(res.headers, res.status);
    if (notUtf8) diagnostics.problems.push('The body is not valid UTF-8: bad bytes are shown as U+FFFD.');
    record = {
      ...common,
      status: res.status,
      elapsedMs: Math.round(res.elapsedMs),
      responseHeaders: headers,
      body: {
        text,
        size: res.body.length,
        truncated: res.body.length > BODY_VIEW_BYTES,
        ...(contentType ? { contentType } : {}),
        ...(pretty ? { pretty } : {}),
      },
      diagnostics,
    };
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    const elapsedMs = Math.round(performance.now() - started);
    const stuck = e.code === 'timeout' && clusterAnswered;
    const message = stuck
      ? `${input.name} did not answer within ${Math.round(elapsedMs / 1000)} s: the cluster answered just before, so the extension itself is stuck (a callback never called, a loop) or slower than the console waits.`
      : e.message;
    record = {
      ...common,
      error: { code: e.code, message },
      elapsedMs,
      responseHeaders: {},
      body: { text: '', size: 0, truncated: false },
      diagnostics: parseDiagnostics({}, undefined, stuck ? message : undefined),
    };
  }
  const safe = scrub(deps, record, secrets);
  const file = historyFile(deps, profile.id, input.container, input.name);
  // The history keeps a shorter body than the live answer, so the file stays small (25 x 64 KB at most).
  const kept: InvocationRecord = {
    ...safe,
    body: {
      ...safe.body,
      text: deps.redactor.cut(safe.body.text, HISTORY_BODY_CHARS, 'strict'),
      truncated: safe.body.truncated || safe.body.text.length > HISTORY_BODY_CHARS,
      pretty: safe.body.pretty && safe.body.pretty.length <= HISTORY_BODY_CHARS ? safe.body.pretty : undefined,
    },
  };
  if (kept.body.pretty === undefined) delete kept.body.pretty;
  const history = [kept, ...(await readHistory(deps, file))].slice(0, HISTORY_MAX);
  writeFileAtomic(file, JSON.stringify(history), deps.redactor);
  await audit(ctx, {
    action: 'webtask.invoke',
    profile: profile.name,
    tenant: input.container,
    target: input.name,
    outcome: safe.status !== undefined && safe.status < 500 ? 'ok' : 'error',
    detail: {
      method: input.method,
      path: fullPath,
      status: safe.status,
      elapsedMs: safe.elapsedMs,
      source: safe.diagnostics.source,
      error: safe.error?.code,
    },
  });
  await recordInvocation(ctx, { profile, record: safe });
  return safe;
}

// ---------- the table ----------

export const webtasksHandlers = defineHandlers({
  'webtasks.list': async (q, ctx) => recordExtensionDiscovery(ctx, q, () => listExtensions(ctx, q)),

  'webtasks.inspect': async ({ profileId, container, name }, ctx): Promise<Inspection> => {
    const { deps } = ctx;
    const { profile, client } = await clientFor(deps, profileId);
    let f: Fetched;
    try {
      f = await fetchWebtask(deps, client, profile, container, name, { code: true });
    } catch (e) {
      await audit(ctx, {
        action: 'webtask.inspect',
        profile: profile.name,
        tenant: container,
        target: name,
        outcome: 'error',
        detail: { error: e instanceof HostError ? e.code : 'internal' },
      });
      throw e;
    }
    touchTenant(deps, profile.id, container);
    const meta = stringRecord(f.record.meta) ?? stringRecord(f.claims.meta) ?? {};
    const codeUrl = typeof f.record.url === 'string' ? f.record.url : typeof f.claims.url === 'string' ? f.claims.url : undefined;
    let code: Inspection['code'];
    if (f.code !== undefined) {
      const replacements = countReplacements(f.code);
      code = {
        text: f.code,
        bytes: Buffer.byteLength(f.code),
        lines: f.code.split('\n').length,
        notUtf8: f.notUtf8 || replacements > 0,
        replacements,
      };
    }
    await audit(ctx, {
      action: 'webtask.inspect',
      profile: profile.name,
      tenant: container,
      target: name,
      outcome: 'ok',
      detail: { code: code !== undefined, tokenKind: f.tokenKind },
    });
    return {
      container,
      name,
      ...(typeof f.record.webtask_url === 'string' ? { webtaskUrl: f.record.webtask_url } : {}),
      meta,
      tokenKind: f.tokenKind,
      claims: displayClaims(f.claims, f.secrets),
      secretKeys: Object.keys(f.secrets).sort(),
      ...(code ? { code } : {}),
      ...(codeUrl ? { codeUrl } : {}),
    };
  },

  'webtasks.revealSecret': async ({ profileId, container, name, key }, ctx) => {
    const { deps } = ctx;
    const { profile, client } = await clientFor(deps, profileId);
    const f = await fetchWebtask(deps, client, profile, container, name, { code: false });
    if (!Object.hasOwn(f.secrets, key)) {
      await audit(ctx, {
        action: 'secret.reveal',
        profile: profile.name,
        tenant: container,
        target: name,
        outcome: 'error',
        detail: { key, error: 'not_found' },
      });
      throw new HostError('not_found', `Extension "${name}" has no secret named "${key}".`);
    }
    // The entry names the key, never the value.
    await audit(ctx, { action: 'secret.reveal', profile: profile.name, tenant: container, target: name, outcome: 'ok', detail: { key } });
    return { key, value: f.secrets[key]! };
  },

  'webtasks.invoke': async (input, ctx) => invoke(ctx, input),

  'webtasks.history': async ({ profileId, container, name }, { deps }) => {
    const profile = findProfile(deps, profileId);
    return { entries: await readHistory(deps, historyFile(deps, profile.id, container, name)) };
  },
  'webtasks.clearHistory': async ({ profileId, container, name }, ctx) => {
    const profile = findProfile(ctx.deps, profileId);
    const file = historyFile(ctx.deps, profile.id, container, name);
    const n = (await readHistory(ctx.deps, file)).length;
    await rm(file, { force: true });
    await audit(ctx, {
      action: 'webtask.history.clear',
      profile: profile.name,
      tenant: container,
      target: name,
      outcome: 'ok',
      detail: { removed: n },
    });
    return { removed: n };
  },
});
