/**
 * The browser host's WebSocket wire, written once for both ends (core/webhost/server.ts and
 * renderer/src/api/transport.ts). A frame is JSON text; the client sends requests, the host sends
 * replies (one per text frame it receives, `id: null` when the frame had no usable id) and events.
 */
import { z } from 'zod';
import { ApiError } from './contract/common';

/** The WebSocket subprotocol both ends offer; the launch secret rides next to it as `secret.<secret>`. */
export const PROTOCOL = 'esc.v1';
export const SECRET_PREFIX = 'secret.';

/** Larger frames close the socket (1009). No contract input comes near it except app.saveFile, which the browser host answers with a download anyway. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** No contract input nests deeper than a handful of levels; a deeper frame is refused before any code walks it recursively. */
export const MAX_FRAME_DEPTH = 32;
/** Channel names are short dotted words; a longer string is refused before it reaches a message. */
const MAX_CHANNEL_CHARS = 128;

/** Ids are what the client counts with: a safe integer, so it survives JSON both ways unchanged. */
export const FrameId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const RequestFrame = z.object({
  id: FrameId,
  channel: z.string().min(1).max(MAX_CHANNEL_CHARS),
  input: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const ResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiError }),
]);

export const ReplyFrame = z.object({ id: FrameId.nullable(), result: ResultSchema });
export type ReplyFrame = z.infer<typeof ReplyFrame>;

export const EventFrame = z.object({ event: z.string(), payload: z.unknown() });
export type EventFrame = z.infer<typeof EventFrame>;

export const ServerFrame = z.union([EventFrame, ReplyFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;
