/**
 * Reads the diagnostics headers of a run (`x-wt-response-source`, `x-auth0-proxy-stats`, and the stats
 * header, which clusters send as `x-auth0-stats` and the platform's monitoring guide spells
 * `s-auth0-stats`) into plain words, as the guide says to capture on every invocation.
 */
export interface ParsedDiagnostics {
  source?: string;
  reading: string;
  proxyStats?: Record<string, unknown>;
  stats?: Record<string, unknown>;
  /** The name the stats header came under (the guide's name wins when both came). */
  statsHeader?: string;
  problems: string[];
  reqId?: string;
}

/** Every name each of the three headers is known by, the preferred one first. */
export const DIAGNOSTIC_HEADERS = {
  source: ['x-wt-response-source'],
  proxyStats: ['x-auth0-proxy-stats'],
  stats: ['s-auth0-stats', 'x-auth0-stats'],
} as const;

const READINGS: Record<string, string> = {
  webtask: "The extension's own code produced this response",
  compiler:
    "The platform could not compile or load the extension's code (a syntax error, a missing module, or a bad export); the code never ran",
  proxy: 'The platform proxy answered before reaching the extension (limits, routing, authentication, or the sandbox was not available)',
  network: 'The network between the proxy and the sandbox failed (the extension may have crashed, timed out, or the connection dropped)',
};

function parseJsonHeader(name: string, value: string | undefined, problems: string[]): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(value);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${name} is not a JSON object: ${value.slice(0, 200)}`);
  } catch {
    problems.push(`${name} is not JSON: ${value.slice(0, 200)}`);
  }
  return undefined;
}

/** `noAnswer`: what is known about a call that got no response (e.g. the extension, not the cluster, timed out). */
export function parseDiagnostics(headers: Record<string, string>, status: number | undefined, noAnswer?: string): ParsedDiagnostics {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  const problems: string[] = [];
  const source = h['x-wt-response-source']?.trim().toLowerCase() || undefined;
  const proxyStats = parseJsonHeader('x-auth0-proxy-stats', h['x-auth0-proxy-stats'], problems);
  const statsNames = DIAGNOSTIC_HEADERS.stats.filter((n) => h[n] !== undefined);
  const statsHeader = statsNames[0];
  const stats = statsHeader ? parseJsonHeader(statsHeader, h[statsHeader], problems) : undefined;
  if (statsNames.length > 1 && h[statsNames[0]!] !== h[statsNames[1]!])
    problems.push(`${statsNames.join(' and ')} both came and differ: showing ${statsHeader}`);
  let reading: string;
  if (status === undefined) reading = noAnswer ?? 'No response arrived: the cluster was not reached or did not answer in time';
  else if (!source)
    reading =
      'The response carries no x-wt-response-source header: it did not come through the webtask proxy (a different server, or a load balancer in front)';
  else reading = READINGS[source] ?? `Unknown response source "${source.slice(0, 40)}"`;
  if (status !== undefined && source === 'webtask' && status >= 500) reading += '; it reported an error (see the body for the stack)';
  if (status !== undefined && source === 'webtask' && status >= 400 && status < 500) reading += '; it refused the request';
  const reqId = h['x-wt-req-id'] ?? (typeof proxyStats?.req_id === 'string' ? proxyStats.req_id : undefined);
  return { source, reading, proxyStats, stats, ...(statsHeader ? { statsHeader } : {}), problems, ...(reqId ? { reqId } : {}) };
}
