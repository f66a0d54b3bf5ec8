import { z } from 'zod';

/** Every failure that crosses a transport has this shape; the UI shows `message` as is. */
export const errorCodes = [
  'invalid_input',
  'unknown_channel',
  'not_found',
  'forbidden',
  'unauthorized',
  'unreachable',
  'timeout',
  'bad_response',
  'too_large',
  'conflict',
  'needs_confirmation',
  'locked',
  'cancelled',
  'internal',
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  detail: z.unknown().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** A channel: what the renderer may send, and what it gets back. */
export interface ChannelDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for the API listing and for audit summaries. */
  summary: string;
}

export const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): ChannelDef<I, O> => ({
  input,
  output,
  summary,
});

// Zod's default messages are schema talk ("Too big: expected string to have <=128 characters"); these
// are the words a form shows after the field's label (renderer/src/lib/field-labels.ts adds it).
// Messages a schema states itself win over these.
z.config({
  customError: (iss) => {
    if (iss.code === 'too_big' && iss.origin === 'string') return `at most ${String(iss.maximum)} characters`;
    if (iss.code === 'too_small' && iss.origin === 'string')
      return Number(iss.minimum) <= 1 ? 'is required' : `at least ${String(iss.minimum)} characters`;
    if (iss.code === 'too_big' && iss.origin === 'array') return `at most ${String(iss.maximum)} entries`;
    if (iss.code === 'too_big' && iss.origin === 'number') return `at most ${String(iss.maximum)}`;
    if (iss.code === 'too_small' && iss.origin === 'number') return `at least ${String(iss.minimum)}`;
    if (iss.code === 'invalid_type') return iss.input === undefined ? 'is required' : `must be a ${iss.expected}`;
    return undefined;
  },
});

export const NoInput = z.object({}).strict().optional();

/** A cluster URL: http(s) only, no credentials or fragments in it. */
export const ClusterUrl = z
  .string()
  .trim()
  .min(1, 'Cluster URL is required')
  .max(2048, 'Cluster URL is at most 2048 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.hash;
    } catch {
      return false;
    }
  }, 'Cluster URL must be an http(s) URL like https://sandbox.example.com, without credentials')
  .transform((s) => s.replace(/\/+$/, ''));

/**
 * The platform's rule for container and webtask names (docs/webtask-protocol.md; the emulator's
 * NAME_RX): a letter, digit or "_" first, then letters, digits, "_", "-" or ".", at most 128
 * characters. Checked once, here, so "..", "/" or a 5 MB paste never reach a URL path.
 */
export const PLATFORM_NAME_RX = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A name as the platform accepts it; `what` names the field in the error ("Container name"). */
export const platformName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(128, `Invalid name: ${what.toLowerCase()}s are at most 128 characters`)
    .regex(
      PLATFORM_NAME_RX,
      `Invalid name: ${what.toLowerCase()}s start with a letter, digit or "_", then use letters, digits, "_", "-" and "." only`,
    );

/** Container (tenant) names as the webtask platform accepts them. */
export const ContainerName = platformName('Container name');

export const ProfileId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'Invalid profile id');
