import { z } from 'zod';
import { channel, ClusterUrl, ContainerName, NoInput, ProfileId } from './common';

/** A profile as the renderer sees it: never the token, only whether one is stored. */
export const Profile = z.object({
  id: ProfileId,
  name: z.string(),
  url: z.string(),
  container: z.string(),
  hasToken: z.boolean(),
  /** Where this profile's token lives now. */
  tokenStorage: z.enum(['persistent', 'session', 'none']),
  /** Token kind as the protocol tells them apart: v2 is a JWT, v1 opaque. */
  tokenKind: z.enum(['v1', 'v2', 'unknown']),
  source: z.enum(['manual', 'wt-cli', 'embedded']),
  /** How the profile's tabs are marked (absent: derived from the id and name). */
  colour: z.string().optional(),
  label: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Profile = z.infer<typeof Profile>;

/** A tab colour: one of the palette's hex values, so tabs stay readable on the dark theme. */
export const PROFILE_COLOURS = ['#e5534b', '#e0823d', '#c69026', '#57ab5a', '#39c5cf', '#539bf5', '#986ee2', '#e275ad'] as const;
export const ProfileColour = z.enum(PROFILE_COLOURS, { message: 'Choose one of the offered colours' });
export type ProfileColour = z.infer<typeof ProfileColour>;
/** A short mark shown on every tab of the profile, e.g. "PROD" or "EU". */
export const ProfileLabel = z
  .string()
  .trim()
  .max(6, 'at most 6 characters')
  .regex(/^[\p{L}\p{N} _-]*$/u, 'letters, digits, space, "-" and "_" only');

export const ProfileName = z.string().trim().min(1, 'Profile name is required').max(80, 'Profile name is too long');
export const Token = z
  .string()
  .trim()
  .min(1, 'Token is required')
  .max(16_384, 'That token is longer than any webtask token')
  .regex(/^[\x21-\x7e]+$/, 'A token is printable ASCII with no spaces');

export const SaveProfileInput = z.object({
  /** Absent: create. */
  id: ProfileId.optional(),
  name: ProfileName,
  url: ClusterUrl,
  container: ContainerName,
  /** Absent on edit: keep the stored token. Required on create. */
  token: Token.optional(),
  /** Only asked for when the OS offers no real keyring: the user's answer to "store it anyway?". */
  tokenStorage: z.enum(['persistent', 'session']).optional(),
  colour: ProfileColour.optional(),
  /** Empty: no label (the tab shows the name's initials). */
  label: ProfileLabel.optional(),
});
export type SaveProfileInput = z.infer<typeof SaveProfileInput>;

export const ConnectionTest = z.object({
  outcome: z.enum(['ok', 'forbidden', 'not_found', 'unreachable', 'timeout', 'bad_response', 'no_token']),
  /** The server's own message for a refusal, otherwise our plain-words reading. */
  message: z.string(),
  status: z.number().int().optional(),
  elapsedMs: z.number(),
});
export type ConnectionTest = z.infer<typeof ConnectionTest>;

/** One profile of the wt CLI's `~/.webtask`, as previewed: never its token. */
export const WtProfilePreview = z.object({
  name: z.string(),
  url: z.string().optional(),
  container: z.string().optional(),
  tokenKind: z.enum(['v1', 'v2', 'none']),
  /** Why it cannot be imported, in plain words; absent when it can. */
  problem: z.string().optional(),
  /** A profile imported from this entry already exists (importing again updates it). */
  existingId: z.string().optional(),
});
export type WtProfilePreview = z.infer<typeof WtProfilePreview>;

/** Absent: the host user's `~/.webtask`. */
const WtFilePath = z.string().trim().min(1).max(4096).optional();

export const profileChannels = {
  'profiles.list': channel(NoInput, z.object({ profiles: z.array(Profile), activeId: z.string().nullable() }), 'List profiles'),
  'profiles.save': channel(
    SaveProfileInput,
    /** `tokenDropped`: the URL moved to another origin without a new token, so the stored one was removed (say so, ask again). */
    Profile.extend({ tokenDropped: z.string().optional() }),
    'Create or edit a profile',
  ),
  'profiles.remove': channel(z.object({ id: ProfileId }), z.object({ removed: z.boolean() }), 'Remove a profile and its token'),
  'profiles.activate': channel(z.object({ id: ProfileId }), z.object({ activeId: ProfileId }), 'Switch the active profile'),
  'profiles.test': channel(
    z.union([z.object({ id: ProfileId }), z.object({ url: ClusterUrl, container: ContainerName, token: Token })]),
    ConnectionTest,
    'Test a profile against its cluster',
  ),
  'profiles.copyEmbeddedToken': channel(
    z.object({ what: z.enum(['token', 'wtInit']) }),
    z.object({
      /** The host put it on the clipboard itself (Electron): the token never reached this window. */
      copied: z.boolean(),
      /** Only when the host cannot (browser host): the text for the renderer to copy. */
      text: z.string().optional(),
    }),
    "Copy the embedded emulator's throwaway token, or a `wt init` command with it (audited)",
  ),
  'profiles.importPreview': channel(
    z.object({ path: WtFilePath }),
    z.object({ path: z.string(), profiles: z.array(WtProfilePreview) }),
    'Read the wt CLI profiles file and list its profiles (no tokens)',
  ),
  'profiles.import': channel(
    z.object({
      path: WtFilePath,
      names: z.array(z.string().min(1).max(200)).min(1, 'Choose at least one profile').max(200),
      tokenStorage: z.enum(['persistent', 'session']).optional(),
    }),
    z.object({ imported: z.array(Profile), path: z.string(), plaintextWarning: z.string() }),
    'Import wt CLI profiles, moving each token into the vault',
  ),
};
