import { z } from 'zod';
import { channel, NoInput } from './common';
import { Diagnostics } from './webtasks';

// One diagnostics log across profiles and tenants, as the platform's monitoring guide asks: every
// extension invocation (time, status, the three diagnostics headers, size) and every discovery call
// (its entire response, tokens removed). Kept on disk, bounded, redacted before every write.

const Pair = z.object({ name: z.string(), value: z.string() });

const EntryBase = {
  id: z.string(),
  at: z.string(),
  profileId: z.string(),
  /** The profile's name when the entry was written. */
  profile: z.string(),
  /** The cluster's base URL (no credentials). */
  cluster: z.string(),
  /** Absent when no answer came (unreachable, timeout). */
  status: z.number().int().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  elapsedMs: z.number(),
};

export const InvocationEntry = z.object({
  kind: z.literal('invocation'),
  ...EntryBase,
  tenant: z.string(),
  extension: z.string(),
  method: z.string(),
  path: z.string(),
  /** Sensitive names (token, key, ...) have `[redacted]` values. */
  query: z.array(Pair),
  /** Authorization and other credential headers have `[redacted]` values. */
  requestHeaders: z.array(Pair),
  withProfileToken: z.boolean(),
  /** `x-wt-response-source` read in plain words, `x-auth0-proxy-stats` and the stats header (either name) parsed. */
  diagnostics: Diagnostics,
  response: z.object({
    size: z.number().int(),
    contentType: z.string().optional(),
    /** The first part of the body, redacted; only when the user keeps bodies. */
    excerpt: z.string().optional(),
    excerptTruncated: z.boolean().optional(),
  }),
  /** The request body, redacted; only when the user keeps bodies. */
  requestBody: z.string().optional(),
  /** Whether bodies were kept for this entry (the setting when it was written). */
  bodiesKept: z.boolean(),
  /** The call as curl: the token, when sent, is `$WT_TOKEN`; the body only when kept. */
  curl: z.string(),
});
export type InvocationEntry = z.infer<typeof InvocationEntry>;

export const DiscoveryPage = z.object({
  request: z.object({ method: z.string(), url: z.string(), offset: z.number().int(), limit: z.number().int() }),
  status: z.number().int().optional(),
  error: z.string().optional(),
  elapsedMs: z.number(),
  /** Bytes the cluster sent. */
  size: z.number().int(),
  /** Webtasks listed in this page. */
  items: z.number().int(),
  /** The entire answer (parsed JSON, or text when not JSON) with every `token` field removed; absent in list views. */
  response: z.unknown().optional(),
  /** Why the answer is not kept, when it is not (e.g. the entry would not fit the log's file cap). */
  notKept: z.string().optional(),
});
export type DiscoveryPage = z.infer<typeof DiscoveryPage>;

export const DiscoveryEntry = z.object({
  kind: z.literal('discovery'),
  ...EntryBase,
  /** `tenants`: the cross-container list (which tenants exist); `extensions`: one tenant's list filtered by `meta=auth0-extension:...`. */
  scope: z.enum(['tenants', 'extensions']),
  /** The tenant an extension discovery listed. */
  tenant: z.string().optional(),
  /** Run by the console itself (first view of the embedded emulator) rather than asked for. */
  auto: z.boolean(),
  state: z.enum(['ok', 'partial', 'forbidden', 'failed']),
  message: z.string().optional(),
  /** Extensions the discovery found (every page together). */
  found: z.number().int(),
  tenants: z.number().int(),
  pages: z.array(DiscoveryPage),
});
export type DiscoveryEntry = z.infer<typeof DiscoveryEntry>;

export const DiagnosticsEntry = z.discriminatedUnion('kind', [InvocationEntry, DiscoveryEntry]);
export type DiagnosticsEntry = z.infer<typeof DiagnosticsEntry>;

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'none'] as const;

export const DiagnosticsQuery = z.object({
  /** Case-insensitive text anywhere in the entry (a discovery's whole response included). */
  text: z.string().trim().max(200).optional(),
  kind: z.enum(['invocation', 'discovery']).optional(),
  profileId: z.string().max(200).optional(),
  /** Extension and source filters match invocations only; tenant also matches that tenant's extension discoveries. */
  tenant: z.string().trim().max(200).optional(),
  extension: z.string().trim().max(200).optional(),
  /** `none`: no answer came. */
  statusClass: z.enum(STATUS_CLASSES).optional(),
  /** `x-wt-response-source` (webtask, compiler, proxy, network), or `none` when the header was absent. */
  source: z.string().trim().max(40).optional(),
  since: z.string().max(40).optional(),
  limit: z.number().int().min(1).max(5000).default(500),
});
export type DiagnosticsQuery = z.infer<typeof DiagnosticsQuery>;

export const DiagnosticsStore = z.object({
  /** Bytes on disk now, every file together. */
  usedBytes: z.number().int(),
  /** The active file is rotated when the next entry would take it past this. */
  fileCapBytes: z.number().int(),
  /** Rotated files kept; the oldest is deleted. */
  keepFiles: z.number().int(),
  /** fileCapBytes x (keepFiles + 1): the most the log takes on disk. */
  capBytes: z.number().int(),
  /** The rule in words, as the UI states it. */
  statement: z.string(),
});
export type DiagnosticsStore = z.infer<typeof DiagnosticsStore>;

export const DiagnosticsSettings = z.object({
  /** Keep a redacted excerpt of response and request bodies (off by default: bodies may hold customer data). */
  keepBodies: z.boolean(),
  excerptChars: z.number().int(),
  store: DiagnosticsStore,
});
export type DiagnosticsSettings = z.infer<typeof DiagnosticsSettings>;

export const diagnosticsChannels = {
  'diagnostics.list': channel(
    DiagnosticsQuery,
    z.object({
      entries: z.array(DiagnosticsEntry),
      total: z.number().int(),
      facets: z.object({
        tenants: z.array(z.string()),
        extensions: z.array(z.string()),
        sources: z.array(z.string()),
        profiles: z.array(z.object({ id: z.string(), name: z.string() })),
      }),
      store: DiagnosticsStore,
    }),
    'Diagnostics log entries, newest first (discovery responses left out: see diagnostics.get)',
  ),
  'diagnostics.get': channel(z.object({ id: z.string().min(1).max(64) }), DiagnosticsEntry, 'One diagnostics log entry in full'),
  'diagnostics.export': channel(
    DiagnosticsQuery.omit({ limit: true }).extend({ format: z.enum(['jsonl', 'csv']) }),
    z.object({ fileName: z.string(), content: z.string(), count: z.number().int() }),
    'Export the filtered diagnostics log as JSON lines or CSV',
  ),
  'diagnostics.settings': channel(NoInput, DiagnosticsSettings, 'Diagnostics log settings and its size on disk'),
  'diagnostics.saveSettings': channel(
    z.object({ keepBodies: z.boolean() }),
    DiagnosticsSettings,
    'Keep (or not) redacted body excerpts in the diagnostics log',
  ),
  'diagnostics.clear': channel(NoInput, z.object({ removed: z.number().int() }), 'Delete the diagnostics log (audited)'),
};
