// Slack incoming webhook: a JSON message with text, attachments or blocks; "ok" as plain text.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';
import { DestError, send } from './common';

export interface SlackMessage {
  hook: string;
  receivedAt: string;
  message: {
    text?: string;
    attachments?: Array<{ color?: string; title?: string; fields?: Array<{ title: string; value: string }> }>;
    [k: string]: unknown;
  };
}

export class SlackState {
  messages: SlackMessage[] = [];
  /** When set, only these hook paths exist (others get 404 no_service, as a revoked hook does). */
  hooks: Set<string> | null = null;
  summary() {
    return { messages: this.messages.length };
  }
}

export async function handleSlack(state: SlackState, hook: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') throw new DestError(405, 'invalid_method', { 'content-type': 'text/plain' });
  if (state.hooks && !state.hooks.has(hook)) {
    req.resume();
    throw new DestError(404, 'no_service', { 'content-type': 'text/plain' });
  }
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  let msg: SlackMessage['message'];
  try {
    msg = JSON.parse(raw) as SlackMessage['message'];
  } catch {
    throw new DestError(400, 'invalid_payload', { 'content-type': 'text/plain' });
  }
  if (!msg || typeof msg !== 'object' || (!msg.text && !Array.isArray(msg.attachments) && !Array.isArray(msg.blocks)))
    throw new DestError(400, 'no_text', { 'content-type': 'text/plain' });
  state.messages.push({ hook, receivedAt: new Date().toISOString(), message: msg });
  if (state.messages.length > 10_000) state.messages.splice(0, state.messages.length - 10_000);
  send(res, 200, 'ok', { 'content-type': 'text/plain' });
}
