/**
 * The one contract between the renderer and the core. Each feature owns a table in its own file;
 * this file only merges them. Types are inferred, so the renderer, the handlers and both
 * transports share one definition: a new channel is one entry here plus one handler.
 */
import { z } from 'zod';
import { appChannels, VaultStatus } from './app';
import { auditChannels } from './audit';
import { bulkChannels, bulkTopics } from './bulk';
import type { ApiError } from './common';
import { diagnosticsChannels } from './diagnostics';
import { exportsChannels, exportsTopics } from './exports';
import { fleetChannels, fleetTopics } from './fleet';
import { logsChannels, logsTopics } from './logs';
import { profileChannels } from './profiles';
import { webtasksChannels, webtasksTopics } from './webtasks';

export * from './common';
export * from './app';
export * from './audit';
export * from './profiles';
export * from './webtasks';
export * from './logs';
export * from './exports';
export * from './diagnostics';
export * from './fleet';
export * from './bulk';

export const channels = {
  ...appChannels,
  ...profileChannels,
  ...auditChannels,
  ...webtasksChannels,
  ...logsChannels,
  ...exportsChannels,
  ...diagnosticsChannels,
  ...fleetChannels,
  ...bulkChannels,
};

/** Events pushed from the core to the renderer that opened them (one session each). */
export const topics = {
  /** Something the user should see that is not the answer to a call (e.g. vault locked). */
  'app.notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  /** The vault's state changed (lock/unlock, also from the Electron menu): the sidebar button follows it. */
  'app.vault': VaultStatus,
  ...webtasksTopics,
  ...logsTopics,
  ...exportsTopics,
  ...fleetTopics,
  ...bulkTopics,
};

export type Channels = typeof channels;
export type Channel = keyof Channels;
export type Input<C extends Channel> = z.input<Channels[C]['input']>;
export type ParsedInput<C extends Channel> = z.output<Channels[C]['input']>;
export type Output<C extends Channel> = z.output<Channels[C]['output']>;
export type Topics = typeof topics;
export type Topic = keyof Topics;
export type EventPayload<T extends Topic> = z.output<Topics[T]>;

export type Result<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export const channelNames = Object.keys(channels) as Channel[];
export const topicNames = Object.keys(topics) as Topic[];
export const isChannel = (s: unknown): s is Channel => typeof s === 'string' && Object.hasOwn(channels, s);
export const isTopic = (s: unknown): s is Topic => typeof s === 'string' && Object.hasOwn(topics, s);

/** What the renderer sees: the same two verbs over Electron IPC and over the browser host's WebSocket. */
export interface ConsoleApi {
  invoke<C extends Channel>(channel: C, input: Input<C>): Promise<Result<Output<C>>>;
  subscribe<T extends Topic>(topic: T, onEvent: (payload: EventPayload<T>) => void): () => void;
}
