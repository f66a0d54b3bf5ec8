// Which tenant jobs a bulk replay covers: every export job sending to a host (found with the master
// token's cross-container list, then each job's decrypted settings), the fleet view's failing jobs
// (kept when they are export jobs), or a list given by hand.
import type { ParsedInput } from '../../../common/contract';
import { discoverFleet, type Discovered } from '../../fleet/discover';
import { RateGate } from '../../fleet/gate';
import { FleetWire } from '../../fleet/wire';
import { HostError } from '../../util/errors';
import { describeDestination } from '../exports/destination';
import { exportNames, readExtension } from '../exports/jobs';
import { clientFor } from '../tokens';
import type { CallContext } from '../types';

type Selected = { tenants: Array<{ container: string; name: string; destination?: string }>; note: string; partial?: string };

/** Settings that name where logs go, not where they come from or where notices go. */
const NOT_DESTINATION = new Set(['AUTH0_DOMAIN', 'SLACK_INCOMING_WEBHOOK']);

/** "https://Logs.Example.com:8443/x" or "logs.example.com:8443" → "logs.example.com:8443". */
export function normalizeHost(input: string): string {
  const s = input.trim().toLowerCase();
  try {
    return new URL(s.includes('://') ? s : `http://${s}`).host;
  } catch {
    return s;
  }
}

/** The hosts a job's settings send logs to (every URL-valued destination setting). */
export function destinationHosts(secrets: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(secrets)) {
    if (NOT_DESTINATION.has(k) || !/^https?:\/\//i.test(v?.trim() ?? '')) continue;
    try {
      const u = new URL(v.trim());
      out.add(u.host.toLowerCase());
    } catch {
      // not a URL: not a destination host
    }
  }
  return [...out];
}

export async function selectTenants(ctx: CallContext, input: ParsedInput<'bulk.select'>): Promise<Selected> {
  const sel = input.select;
  if ('tenants' in sel) return { tenants: dedupe(sel.tenants), note: `${sel.tenants.length} job(s) picked by hand` };
  const names = exportNames(ctx.deps);
  const { profile, client } = await clientFor(ctx.deps, input.profileId);
  if ('fleet' in sel) {
    // Fleet rows name failing cron jobs of any kind: only log exports can be replayed.
    const picked = dedupe(sel.fleet.map((f) => ({ container: f.tenant, name: f.job })));
    const found = await inChunks(picked, async (t) => {
      try {
        const cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
        const ext = cfg.meta['auth0-extension-name'];
        return ext && names.includes(ext) ? { ...t, destination: describeDestination(cfg.secrets).label } : null;
      } catch {
        return null;
      }
    });
    const kept = found.filter((r) => r !== null);
    const dropped = picked.filter((_, k) => found[k] === null).map((t) => `${t.container}/${t.name}`);
    return {
      tenants: kept,
      note: `${kept.length} of ${picked.length} fleet row job(s) are log exports${dropped.length ? ` (left out: ${dropped.slice(0, 20).join(', ')}${dropped.length > 20 ? ', …' : ''})` : ''}`,
    };
  }
  const host = normalizeHost(sel.destinationHost);
  const wire = new FleetWire(client, new RateGate());
  let found: Discovered;
  let scope: string | null = null;
  try {
    found = await discoverFleet(wire);
  } catch (e) {
    if (!(e instanceof HostError && (e.code === 'forbidden' || e.code === 'unauthorized'))) throw e;
    // A tenant's token cannot list other containers: its own container is all that can be searched.
    scope = `this profile's token cannot list other tenants' containers (${e.message.slice(0, 200)}); only its own container ${profile.container} was searched`;
    try {
      found = {
        byContainer: new Map([[profile.container, await wire.listAll(profile.container, { limit: 100, maxPages: 50 })]]),
        complete: true,
      };
    } catch (e2) {
      throw new HostError(
        e.code,
        `Selecting by destination host needs a token that can list containers: this profile's token cannot list across containers (${e.message.slice(0, 200)}) nor its own container ${profile.container} (${(e2 as Error).message.slice(0, 200)}). Pick the tenants by hand or from the fleet view.`,
      );
    }
  }
  const jobs: Array<{ container: string; name: string }> = [];
  for (const [container, items] of found.byContainer)
    for (const w of items) if (names.includes(w.meta?.['auth0-extension-name'] ?? '')) jobs.push({ container, name: w.name });
  if (jobs.length > 5000)
    throw new HostError(
      'invalid_input',
      `${jobs.length} export jobs on the cluster: too many to read one by one; pick them from the fleet view.`,
    );
  const unreadable: string[] = [];
  const kept = (
    await inChunks(jobs, async (t) => {
      try {
        const cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
        return destinationHosts(cfg.secrets).includes(host) ? { ...t, destination: describeDestination(cfg.secrets).label } : null;
      } catch {
        unreadable.push(`${t.container}/${t.name}`);
        return null;
      }
    })
  ).filter((r) => r !== null);
  if (kept.length > 500) throw new HostError('invalid_input', `${kept.length} jobs send to ${host}: at most 500 per bulk replay.`);
  const gaps = [
    scope,
    unreadable.length
      ? `${unreadable.length} job(s) could not be read: ${unreadable.slice(0, 20).join(', ')}${unreadable.length > 20 ? ', …' : ''}`
      : null,
    found.complete ? null : `the tenant list is partial: ${found.problem ?? 'discovery stopped'}`,
  ].filter((g) => g !== null);
  const partial = gaps.length ? ctx.deps.redactor.strict(gaps.join('; ')) : undefined;
  return {
    tenants: kept,
    note: `${kept.length} of ${jobs.length} export job(s) in ${found.byContainer.size} tenant(s) send to ${host}${partial ? `; ${partial}` : ''}`,
    ...(partial ? { partial } : {}),
  };
}

function dedupe<T extends { container: string; name: string }>(ts: T[]): T[] {
  const seen = new Set<string>();
  return ts.filter((t) => {
    const k = `${t.container}\n${t.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Maps a few at a time: hundreds of jobs must not open hundreds of requests at once. */
export async function inChunks<T, R>(items: T[], f: (t: T) => Promise<R>, size = 8): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}
