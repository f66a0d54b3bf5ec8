import { audit } from '../audit';
import { defineHandlers } from '../types';

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

  'app.lock': async (_input, ctx) => {
    ctx.deps.vault.lock?.();
    // The redactor holds plaintext tokens too: locking drops them as well.
    ctx.deps.redactor.clear();
    await audit(ctx, { action: 'app.lock', outcome: 'ok' });
    return ctx.deps.vault.status();
  },

  'app.unlock': async (_input, ctx) => {
    ctx.deps.vault.unlock?.();
    await audit(ctx, { action: 'app.unlock', outcome: 'ok' });
    return ctx.deps.vault.status();
  },

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
