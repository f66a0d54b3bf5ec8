import type { UnlockResult } from '../../../common/contract';
import { audit } from '../audit';
import type { HostDeps } from '../deps';
import { readProfiles } from '../profiles-store';
import { sessionOnlyProfiles } from '../tokens';
import { defineHandlers, type CallContext } from '../types';

export const LOCK_REASON = 'The console was locked.';

/** Profiles whose session-only token the last lock dropped, so unlock can say why each needs it again. */
const droppedByLock = new WeakMap<HostDeps, Set<string>>();

/**
 * Lock: the vault first (from here on the token gate answers `locked`, so no new flow can start), then
 * every running flow that holds a token (tails, replays) is closed, so nothing from a cluster flows
 * while locked. The redactor keeps the secrets it knows: it holds no more plaintext than the flows
 * just closed did, and it is what still scrubs anything in flight (a last event, an error being
 * written); clearing it is what let a line quoting the token out after a lock.
 */
async function lock(ctx: CallContext) {
  const { deps } = ctx;
  const sessionOnly = await sessionOnlyProfiles(deps);
  deps.vault.lock();
  droppedByLock.set(deps, new Set([...(droppedByLock.get(deps) ?? []), ...sessionOnly]));
  const closedFlows = await deps.flows.closeAll(LOCK_REASON);
  const status = deps.vault.status();
  await audit(ctx, { action: 'app.lock', outcome: 'ok', detail: { closedFlows } });
  ctx.session.emit('app.vault', status);
  return { ...status, closedFlows };
}

/** Unlock reads every profile's token where it is stored (keyring, safeStorage) and names those to enter again. */
async function unlock(ctx: CallContext): Promise<UnlockResult> {
  const { deps } = ctx;
  deps.vault.unlock();
  await deps.onUnlock?.();
  const dropped = droppedByLock.get(deps) ?? new Set<string>();
  droppedByLock.delete(deps);
  const needToken: UnlockResult['needToken'] = [];
  for (const p of readProfiles(deps)) {
    if ((await deps.vault.storageOf(p.id)) !== 'none') continue;
    needToken.push({
      profileId: p.id,
      name: p.name,
      message: dropped.has(p.id)
        ? `"${p.name}": its token was kept for this session only, so the lock dropped it: enter it again.`
        : `"${p.name}": no stored token could be read (never stored, or no longer decryptable here): enter it again.`,
    });
  }
  const status = deps.vault.status();
  await audit(ctx, { action: 'app.unlock', outcome: 'ok', detail: { needToken: needToken.map((n) => n.profileId) } });
  ctx.session.emit('app.vault', status);
  return { ...status, needToken };
}

export const appHandlers = defineHandlers({
  'app.info': async (_input, { deps }) => ({
    name: deps.info.name,
    version: deps.info.version,
    host: deps.info.host,
    platform: deps.info.platform,
    vault: deps.vault.status(),
    ...(deps.embedded ? { embedded: deps.embedded } : {}),
  }),

  'app.openExternal': async ({ url }, ctx) => {
    const open = ctx.deps.openExternal;
    // The browser host has no system browser to hand to: the page itself opens it, with noopener.
    if (!open) return { outcome: 'renderer' as const };
    const opened = await open(url);
    return { outcome: opened ? ('opened' as const) : ('declined' as const) };
  },

  'app.lock': async (_input, ctx) => lock(ctx),
  'app.unlock': async (_input, ctx) => unlock(ctx),

  'app.saveFile': async ({ suggestedName, content }, ctx) => {
    const save = ctx.deps.saveFile;
    if (!save) return { outcome: 'download' as const };
    // Whatever the renderer hands us, a token never reaches a saved file.
    const result = await save(suggestedName, ctx.deps.redactor.known(content));
    if (!result) return { outcome: 'cancelled' as const };
    await audit(ctx, { action: 'file.save', target: result.path, outcome: 'ok', detail: { bytes: Buffer.byteLength(content) } });
    return { outcome: 'saved' as const, path: result.path };
  },
});
