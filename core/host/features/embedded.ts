/**
 * The embedded emulator explains itself: a new user can point the real `wt` CLI (or a profile of
 * their own) at the local cluster the console started.
 *
 * Why a token may leave the core here, and only here: it is the master token of the emulator this
 * process started on loopback for this session (random, kept for the session only, valid nowhere
 * else), and the user asked for it. Where the host has a clipboard (Electron) it copies the text
 * itself and the token never reaches the window; the browser host has no clipboard of its own, so
 * the renderer gets the text to copy. Every copy is audited (without the token). Any other profile's
 * token is refused: this channel reads only the embedded profile's vault entry.
 */
import { HostError } from '../../util/errors';
import { audit } from '../audit';
import { findProfile } from '../profiles-store';
import { defineHandlers } from '../types';
import { tokenFor } from '../tokens';

/** The CLI's own way to store a profile (docs/webtask-protocol.md); values quoted for a POSIX shell. */
export function wtInitCommand(url: string, token: string, container: string): string {
  const q = (s: string) => (/^[A-Za-z0-9_.:/@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `wt init --url ${q(url)} --token ${q(token)} --container ${q(container)} -p local-emulator`;
}

export const embeddedHandlers = defineHandlers({
  'profiles.copyEmbeddedToken': async ({ what }, ctx) => {
    const { deps } = ctx;
    if (!deps.embedded)
      throw new HostError(
        'not_found',
        'This console did not start a local emulator (started with --no-emulator?): there is no local token to copy.',
      );
    const profile = findProfile(deps, deps.embedded.profileId);
    if (profile.source !== 'embedded') throw new HostError('forbidden', 'Only the embedded emulator\u2019s token can be copied.');
    // Through the gate like every other use of a token: refused while locked, bound to the profile's origin.
    const { token } = await tokenFor(deps, profile.id);
    const text = what === 'token' ? token : wtInitCommand(profile.url, token, profile.container);
    const copied = Boolean(deps.copyText);
    await deps.copyText?.(text);
    await audit(ctx, {
      action: 'profile.copyEmbeddedToken',
      profile: profile.name,
      target: profile.url,
      outcome: 'ok',
      detail: { what, by: copied ? 'host' : 'window' },
    });
    return copied ? { copied } : { copied, text };
  },
});
