import type { Channel, Output, ParsedInput } from '../../common/contract';
import type { HostDeps, Session } from './deps';

export interface CallContext {
  deps: HostDeps;
  session: Session;
}

export type Handler<C extends Channel> = (input: ParsedInput<C>, ctx: CallContext) => Promise<Output<C>>;
export type Handlers = { [C in Channel]: Handler<C> };

/** Each feature file returns the handlers of its own channels; `createHandlers` checks none is missing. */
export const defineHandlers = <K extends Channel>(handlers: { [C in K]: Handler<C> }) => handlers;
