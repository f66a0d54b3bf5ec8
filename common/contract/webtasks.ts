import { z } from 'zod';
import { channel, ContainerName, platformName, ProfileId } from './common';

// Tenants (containers) and their extensions (webtasks): browse, inspect, reveal, invoke.
// No output here carries a webtask `token`: the schemas below do not name it, so the host strips it.

/** The profile to act as; absent means the active one. */
const Scope = { profileId: ProfileId.optional() };

/** Extension (webtask) names: the platform's rule, checked once in ./common. */
export const WebtaskName = platformName('Extension name');

export const Tenant = z.object({
  name: z.string(),
  pinned: z.boolean(),
  /** added by hand, found by discovery, or the profile's default container. */
  sources: z.array(z.enum(['added', 'discovered', 'profile', 'recent'])),
  lastUsedAt: z.string().optional(),
  /** Extensions seen by discovery (a lower bound when discovery stopped early). */
  seen: z.number().int().optional(),
});
export type Tenant = z.infer<typeof Tenant>;

export const Discovery = z.object({
  state: z.enum(['never', 'ok', 'partial', 'forbidden', 'failed']),
  message: z.string().optional(),
  at: z.string().optional(),
});
export type Discovery = z.infer<typeof Discovery>;

export const TenantList = z.object({ profileId: z.string(), tenants: z.array(Tenant), discovery: Discovery });
export type TenantList = z.infer<typeof TenantList>;

export const MetaPair = z.object({
  key: z
    .string()
    .trim()
    .min(1, 'A meta filter needs a key')
    .max(256)
    .regex(/^[^:]+$/, 'A meta key cannot contain ":"'),
  value: z.string().trim().max(1024),
});
export type MetaPair = z.infer<typeof MetaPair>;

export const ListQuery = z.object({
  ...Scope,
  container: ContainerName,
  /** Server offset to read from (the protocol's offset; a name search may skip ahead). */
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
  /** Case-insensitive substring of the name; the protocol has no such filter, so the core scans pages. */
  nameContains: z.string().trim().max(128).optional(),
  /** AND of every pair: sent as repeated `meta=k:v`. */
  meta: z.array(MetaPair).max(10).default([]),
  /** Extension discovery: `meta=auth0-extension:runtime`. */
  auth0Only: z.boolean().default(false),
});

export const ExtensionSummary = z.object({
  name: z.string(),
  container: z.string(),
  meta: z.record(z.string(), z.string()).optional(),
  webtaskUrl: z.string().optional(),
});
export type ExtensionSummary = z.infer<typeof ExtensionSummary>;

export const ListPage = z.object({
  items: z.array(ExtensionSummary),
  /** Where the next call should start (server offset). */
  nextOffset: z.number().int(),
  /** A full page came back: there may be more (the protocol has no total). */
  mayBeMore: z.boolean(),
  /** Protocol pages read for this answer (> 1 only for a name search). */
  pagesRead: z.number().int(),
});
export type ListPage = z.infer<typeof ListPage>;

export const CodeView = z.object({
  text: z.string(),
  bytes: z.number().int(),
  lines: z.number().int(),
  /** The code was not valid UTF-8: bad bytes are shown as U+FFFD. */
  notUtf8: z.boolean(),
  replacements: z.number().int(),
});
export type CodeView = z.infer<typeof CodeView>;

export const Inspection = z.object({
  container: z.string(),
  name: z.string(),
  webtaskUrl: z.string().optional(),
  meta: z.record(z.string(), z.string()),
  tokenKind: z.enum(['v1', 'v2']),
  /** Decoded on the core's side; never the raw token. `ectx`/`code` are summarised, not copied. */
  claims: z.record(z.string(), z.unknown()),
  /** Names only: values come one at a time through `webtasks.revealSecret`. */
  secretKeys: z.array(z.string()),
  /** Absent when the extension runs from a URL rather than inline code. */
  code: CodeView.optional(),
  codeUrl: z.string().optional(),
});
export type Inspection = z.infer<typeof Inspection>;

const Target = z.object({ ...Scope, container: ContainerName, name: WebtaskName });

export const HeaderPair = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'A header needs a name')
    .max(256)
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'Not a valid header name'),
  value: z
    .string()
    .max(8192)
    .regex(/^[^\r\n]*$/, 'Header values cannot contain line breaks'),
});

export const InvokeInput = Target.extend({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
  /** Path after the extension's URL, e.g. `/users/1`. */
  path: z
    .string()
    .max(2048)
    .regex(/^(\/[^\s#?]*)?$/, 'The path starts with "/" and holds no spaces, "?" or "#"')
    .default(''),
  query: z
    .array(z.object({ name: z.string().min(1).max(256), value: z.string().max(4096) }))
    .max(50)
    .default([]),
  headers: z.array(HeaderPair).max(50).default([]),
  body: z
    .string()
    .max(5 * 1024 * 1024, 'Bodies above 5 MB are refused by the cluster')
    .optional(),
  /** Send the profile's token as `Authorization: Bearer` (extensions that require webtask auth). */
  withProfileToken: z.boolean().default(false),
});

export const Diagnostics = z.object({
  source: z.string().optional(),
  /** Plain words: who produced this response. */
  reading: z.string(),
  proxyStats: z.record(z.string(), z.unknown()).optional(),
  stats: z.record(z.string(), z.unknown()).optional(),
  /** Which name the stats header came under: `s-auth0-stats` (the guide's spelling) or `x-auth0-stats` (what clusters send). */
  statsHeader: z.string().optional(),
  /** A header that was present but not JSON, quoted (bounded). */
  problems: z.array(z.string()),
  reqId: z.string().optional(),
});
export type Diagnostics = z.infer<typeof Diagnostics>;

export const InvocationRecord = z.object({
  id: z.string(),
  at: z.string(),
  container: z.string(),
  name: z.string(),
  request: z.object({
    method: z.string(),
    path: z.string(),
    query: z.array(z.object({ name: z.string(), value: z.string() })),
    headers: z.array(z.object({ name: z.string(), value: z.string() })),
    body: z.string().optional(),
    withProfileToken: z.boolean(),
  }),
  /** Absent when no answer came (unreachable, timeout). */
  status: z.number().int().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  elapsedMs: z.number(),
  responseHeaders: z.record(z.string(), z.string()),
  body: z.object({
    /** The first part of the body as text (the whole of it when `truncated` is false). */
    text: z.string(),
    size: z.number().int(),
    truncated: z.boolean(),
    contentType: z.string().optional(),
    /** Pretty-printed JSON, when the (whole) body parses as JSON. */
    pretty: z.string().optional(),
  }),
  diagnostics: Diagnostics,
  /** The same call as a curl command; the token, if any, is `$WT_TOKEN`. */
  curl: z.string(),
});
export type InvocationRecord = z.infer<typeof InvocationRecord>;

export const webtasksChannels = {
  'tenants.list': channel(z.object({ ...Scope }), TenantList, 'Tenants (containers) of a profile: added, discovered, pinned, recent'),
  'tenants.add': channel(z.object({ ...Scope, name: ContainerName }), TenantList, 'Add a tenant by name'),
  'tenants.remove': channel(z.object({ ...Scope, name: ContainerName }), TenantList, 'Forget a tenant'),
  'tenants.pin': channel(z.object({ ...Scope, name: ContainerName, pinned: z.boolean() }), TenantList, 'Pin or unpin a tenant'),
  'tenants.discover': channel(
    z.object({ ...Scope, maxPages: z.number().int().min(1).max(200).default(50) }),
    TenantList.extend({ found: z.number().int(), pagesRead: z.number().int() }),
    'Discover tenants from the cross-container list (master token)',
  ),
  'webtasks.list': channel(ListQuery, ListPage, "One page of a container's extensions"),
  'webtasks.inspect': channel(Target, Inspection, "An extension's meta, claims, secret names and code"),
  'webtasks.revealSecret': channel(
    Target.extend({ key: z.string().min(1).max(256) }),
    z.object({ key: z.string(), value: z.string() }),
    'Reveal one secret value (audited)',
  ),
  'webtasks.invoke': channel(InvokeInput, InvocationRecord, 'Call an extension and read its diagnostics'),
  'webtasks.history': channel(Target, z.object({ entries: z.array(InvocationRecord) }), 'Past invocations of an extension, newest first'),
  'webtasks.clearHistory': channel(Target, z.object({ removed: z.number().int() }), 'Forget the invocation history of an extension'),
};
export const webtasksTopics = {} satisfies Record<string, z.ZodType>;
