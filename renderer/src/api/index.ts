import type { ApiError, Channel, ConsoleApi, Input, Output, Result } from '../../../common/contract';
import { inWords } from '../lib/field-labels';
import { streamRouter } from './routes';
import { createApi, type WebSocketApi } from './transport';

export type { StreamTopic } from './routes';

const created = createApi();
export const api: ConsoleApi = created.api;
export const wsTransport: WebSocketApi | undefined = created.ws;

/** Thrown by `call` so views can use try/catch; carries the contract's typed error. */
export class CallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'CallError';
  }
  get code() {
    return this.error.code;
  }
}

export async function call<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>> {
  const r: Result<Output<C>> = await api.invoke(channel, input);
  if (!r.ok) throw new CallError(r.error);
  return r.data;
}

/** The error to show: invalid input is worded with the form's field labels (one map: lib/field-labels). */
export const errorOf = (e: unknown): ApiError =>
  e instanceof CallError ? inWords(e.error) : { code: 'internal', message: e instanceof Error ? e.message : String(e) };

/**
 * Events of one stream only, as VS Code's `listen(event, arg)`: a tab never sees another tab's batches.
 * The caller chooses the id and listens before it opens the stream: nothing arrives that it cannot place.
 */
export const listen = streamRouter((topic, fn) => api.subscribe(topic, fn));
