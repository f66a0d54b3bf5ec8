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

export const channel = <I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  summary: string,
): ChannelDef<I, O> => ({ input, output, summary });

export const NoInput = z.object({}).strict().optional();

/** A cluster URL: http(s) only, no credentials or fragments in it. */
export const ClusterUrl = z
  .string()
  .trim()
  .min(1, 'Cluster URL is required')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.hash;
    } catch {
      return false;
    }
  }, 'Cluster URL must be an http(s) URL like https://sandbox.example.com, without credentials')
  .transform((s) => s.replace(/\/+$/, ''));

/** Container (tenant) names as the webtask platform accepts them. */
export const ContainerName = z
  .string()
  .trim()
  .min(1, 'Container name is required')
  .max(256)
  .regex(/^[A-Za-z0-9_.-]+$/, 'Container names use letters, digits, "-", "_" and "." only');

export const ProfileId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'Invalid profile id');
