import { z } from 'zod';
import { channel, NoInput } from './common';

export const VaultStatus = z.object({
  /** os-keyring: encrypted with a key the OS keeps; weak: the OS offers only a hard-coded key (Linux basic_text);
   *  session: kept in memory for this session only; locked: tokens dropped until the user unlocks. */
  backend: z.enum(['os-keyring', 'weak', 'session', 'locked']),
  persistent: z.boolean(),
  /** What the user must know about where tokens live, in plain words; absent when nothing needs saying. */
  warning: z.string().optional(),
});
export type VaultStatus = z.infer<typeof VaultStatus>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'browser', 'test']),
  platform: z.string(),
  vault: VaultStatus,
  /** The local emulator started with the app, when there is one. Its token stays in the vault. */
  embedded: z.object({ url: z.string(), profileId: z.string() }).optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const SaveFileInput = z.object({
  suggestedName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\\0]+$/, 'A file name, not a path'),
  content: z.string().max(256 * 1024 * 1024, 'Too large to save in one piece'),
});

/** What lock answers: the vault's state and how many running flows (tails, replays) it stopped. */
export const LockResult = VaultStatus.extend({ closedFlows: z.number().int().nonnegative() });
export type LockResult = z.infer<typeof LockResult>;

/** What unlock answers: the vault's state and each profile whose token must be entered again, with why. */
export const UnlockResult = VaultStatus.extend({
  needToken: z.array(z.object({ profileId: z.string(), name: z.string(), message: z.string() })),
});
export type UnlockResult = z.infer<typeof UnlockResult>;

export const appChannels = {
  'app.info': channel(NoInput, AppInfo, 'About this app and where tokens are kept'),
  /** Native save dialog where the host has one; otherwise `download` tells the renderer to download it itself. */
  'app.saveFile': channel(
    SaveFileInput,
    z.object({ outcome: z.enum(['saved', 'cancelled', 'download']), path: z.string().optional() }),
    'Save text to a file the user picks',
  ),
  /** Opens an http(s) link the user clicked, after the host asked them to confirm. */
  'app.openExternal': channel(
    z.object({
      url: z
        .string()
        .max(4096)
        .refine((u) => /^https?:\/\//i.test(u), 'Only http(s) links are opened'),
    }),
    z.object({ outcome: z.enum(['opened', 'declined', 'renderer']) }),
    'Open a link in the system browser',
  ),
  'app.lock': channel(
    NoInput,
    LockResult,
    'Stop every flow, drop decrypted tokens from memory and refuse calls that need one until unlocked',
  ),
  'app.unlock': channel(NoInput, UnlockResult, 'Read stored tokens again and say which profiles need theirs entered again'),
};
