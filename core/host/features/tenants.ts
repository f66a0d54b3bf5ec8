/**
 * Handlers of the tenants channels (common/contract/webtasks.ts): a profile's tenants (added,
 * discovered, pinned, recent; kept in settings per profile) and discovery across containers.
 */
import type { Discovery, Tenant, TenantList } from '../../../common/contract';
import { HostError } from '../../util/errors';
import { listAcrossPage } from '../../webtask/api';
import { audit } from '../audit';
import type { HostDeps } from '../deps';
import { findProfile, type ProfileRecord } from '../profiles-store';
import { clientFor } from '../tokens';
import { defineHandlers, type CallContext } from '../types';
import { recordDiscovery } from './diagnostics';

interface TenantState {
  added: string[];
  pinned: string[];
  recent: Array<{ name: string; at: string }>;
  discovered: Array<{ name: string; seen: number }>;
  discovery: Discovery;
}

const RECENT_MAX = 20;
const tenantKey = (profileId: string) => `tenants:${profileId}`;
const emptyState = (): TenantState => ({ added: [], pinned: [], recent: [], discovered: [], discovery: { state: 'never' } });
const readTenants = (deps: HostDeps, id: string): TenantState => ({
  ...emptyState(),
  ...deps.settings.get<Partial<TenantState>>(tenantKey(id), {}),
});
const writeTenants = (deps: HostDeps, id: string, s: TenantState) => deps.settings.set(tenantKey(id), s);

function tenantList(profile: ProfileRecord, s: TenantState): TenantList {
  const byName = new Map<string, Tenant>();
  const get = (name: string): Tenant => {
    let t = byName.get(name);
    if (!t) byName.set(name, (t = { name, pinned: s.pinned.includes(name), sources: [] }));
    return t;
  };
  get(profile.container).sources.push('profile');
  for (const n of s.added) get(n).sources.push('added');
  for (const d of s.discovered) {
    const t = get(d.name);
    t.sources.push('discovered');
    t.seen = d.seen;
  }
  for (const r of s.recent) {
    const t = get(r.name);
    t.sources.push('recent');
    t.lastUsedAt = r.at;
  }
  for (const n of s.pinned) get(n);
  // Pinned first, then most recently used, then by name: the order an engineer scans in.
  const tenants = [...byName.values()].sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || (b.lastUsedAt ?? '').localeCompare(a.lastUsedAt ?? '') || a.name.localeCompare(b.name),
  );
  return { profileId: profile.id, tenants, discovery: s.discovery };
}

export function touchTenant(deps: HostDeps, profileId: string, name: string): void {
  const s = readTenants(deps, profileId);
  s.recent = [{ name, at: new Date().toISOString() }, ...s.recent.filter((r) => r.name !== name)].slice(0, RECENT_MAX);
  writeTenants(deps, profileId, s);
}

const DISCOVERY_PAGE = 1000;

async function discover(ctx: CallContext, profileId: string | undefined, maxPages: number, auto: boolean) {
  const { deps } = ctx;
  const { profile, client } = await clientFor(deps, profileId);
  const s = readTenants(deps, profile.id);
  const counts = new Map<string, number>();
  let pagesRead = 0;
  let complete = false;
  let discovery: Discovery;
  try {
    for (let offset = 0; pagesRead < maxPages; offset += DISCOVERY_PAGE) {
      const page = await listAcrossPage(client, { offset, limit: DISCOVERY_PAGE });
      pagesRead++;
      for (const w of page) if (w.container) counts.set(w.container, (counts.get(w.container) ?? 0) + 1);
      if (page.length < DISCOVERY_PAGE) {
        complete = true;
        break;
      }
    }
    discovery = complete
      ? {
          state: 'ok',
          at: new Date().toISOString(),
          message: `${counts.size} tenants found in ${pagesRead} page${pagesRead === 1 ? '' : 's'}.`,
        }
      : {
          state: 'partial',
          at: new Date().toISOString(),
          message: `Stopped after ${pagesRead} pages (${pagesRead * DISCOVERY_PAGE} extensions): more tenants may exist; add them by name.`,
        };
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    discovery =
      e.code === 'forbidden' || e.code === 'unauthorized'
        ? {
            state: 'forbidden',
            at: new Date().toISOString(),
            message: `Discovery is not allowed for this token (the cluster said: ${e.message}). Add tenants by name.`,
          }
        : { state: 'failed', at: new Date().toISOString(), message: `Discovery failed: ${e.message}` };
    if (!auto && discovery.state === 'failed') {
      s.discovery = discovery;
      writeTenants(deps, profile.id, s);
      await audit(ctx, { action: 'tenant.discover', profile: profile.name, outcome: 'error', detail: { state: discovery.state } });
      // Every discovery call is on record, the failed ones too (the diagnostics log keeps what was answered).
      await recordDiscovery(ctx, { profile, client, discovery, auto });
      throw new HostError(e.code, discovery.message!, e.detail);
    }
  }
  if (discovery.state === 'ok' || discovery.state === 'partial')
    s.discovered = [...counts].map(([name, seen]) => ({ name, seen })).sort((a, b) => a.name.localeCompare(b.name));
  s.discovery = discovery;
  writeTenants(deps, profile.id, s);
  await audit(ctx, {
    action: 'tenant.discover',
    profile: profile.name,
    outcome: discovery.state === 'ok' || discovery.state === 'partial' ? 'ok' : 'error',
    detail: { state: discovery.state, tenants: counts.size, pagesRead, auto },
  });
  await recordDiscovery(ctx, { profile, client, discovery, auto });
  return { ...tenantList(profile, s), found: counts.size, pagesRead };
}

/**
 * The first-run discovery in flight, per host and profile: two views asking for the list at once (a
 * busy machine makes their calls overlap) share one discovery instead of running and recording two.
 */
const autoDiscovery = new WeakMap<HostDeps, Map<string, ReturnType<typeof discover>>>();
function discoverOnce(ctx: CallContext, profileId: string): ReturnType<typeof discover> {
  let running = autoDiscovery.get(ctx.deps);
  if (!running) autoDiscovery.set(ctx.deps, (running = new Map()));
  let p = running.get(profileId);
  if (!p) {
    p = discover(ctx, profileId, 50, true).finally(() => running.delete(profileId));
    running.set(profileId, p);
  }
  return p;
}

export const tenantsHandlers = defineHandlers({
  'tenants.list': async ({ profileId }, ctx) => {
    const profile = findProfile(ctx.deps, profileId);
    const s = readTenants(ctx.deps, profile.id);
    // The embedded emulator's demo tenants appear on first run with no typing.
    if (profile.source === 'embedded' && s.discovery.state === 'never') {
      try {
        const { found: _f, pagesRead: _p, ...list } = await discoverOnce(ctx, profile.id);
        return list;
      } catch (e) {
        // No token yet, or the console is locked: show what is known; discovery runs on a later call.
        if (!(e instanceof HostError)) throw e;
        return { ...tenantList(profile, s), discovery: { state: 'failed' as const, message: `Discovery did not run: ${e.message}` } };
      }
    }
    return tenantList(profile, s);
  },
  'tenants.add': async ({ profileId, name }, ctx) => {
    const profile = findProfile(ctx.deps, profileId);
    const s = readTenants(ctx.deps, profile.id);
    if (!s.added.includes(name)) s.added.push(name);
    writeTenants(ctx.deps, profile.id, s);
    await audit(ctx, { action: 'tenant.add', profile: profile.name, tenant: name, outcome: 'ok' });
    return tenantList(profile, s);
  },
  'tenants.remove': async ({ profileId, name }, ctx) => {
    const profile = findProfile(ctx.deps, profileId);
    const s = readTenants(ctx.deps, profile.id);
    s.added = s.added.filter((n) => n !== name);
    s.pinned = s.pinned.filter((n) => n !== name);
    s.recent = s.recent.filter((r) => r.name !== name);
    s.discovered = s.discovered.filter((d) => d.name !== name);
    writeTenants(ctx.deps, profile.id, s);
    return tenantList(profile, s);
  },
  'tenants.pin': async ({ profileId, name, pinned }, ctx) => {
    const profile = findProfile(ctx.deps, profileId);
    const s = readTenants(ctx.deps, profile.id);
    s.pinned = pinned ? [...s.pinned.filter((n) => n !== name), name] : s.pinned.filter((n) => n !== name);
    writeTenants(ctx.deps, profile.id, s);
    return tenantList(profile, s);
  },
  'tenants.discover': async ({ profileId, maxPages }, ctx) => discover(ctx, profileId, maxPages, false),
});
