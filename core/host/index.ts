/**
 * The handler table that implements the contract, and the one dispatcher every transport calls.
 * Transports (Electron IPC, the browser host's WebSocket, tests) only move bytes; validation,
 * error typing and redaction happen here, once.
 */
import { channels, isChannel, type ApiError, type Channel, type Input, type Output, type Result } from '../../common/contract';
import { describeIssues, HostError, issuesOf } from '../util/errors';
import type { HostDeps, Session } from './deps';
import { appHandlers } from './features/app';
import { auditHandlers } from './features/audit';
import { bulkHandlers } from './features/bulk';
import { diagnosticsHandlers } from './features/diagnostics';
import { exportsHandlers } from './features/exports';
import { fleetHandlers } from './features/fleet';
import { logsHandlers } from './features/logs';
import { embeddedHandlers } from './features/embedded';
import { profileHandlers } from './features/profiles';
import { tenantsHandlers } from './features/tenants';
import { webtasksHandlers } from './features/webtasks';
import type { CallContext, Handler, Handlers } from './types';

export type { HostDeps, Session } from './deps';

export function createHandlers(): Handlers {
  return {
    ...appHandlers,
    ...profileHandlers,
    ...embeddedHandlers,
    ...auditHandlers,
    ...tenantsHandlers,
    ...webtasksHandlers,
    ...logsHandlers,
    ...exportsHandlers,
    ...diagnosticsHandlers,
    ...fleetHandlers,
    ...bulkHandlers,
  };
}

export interface Host {
  deps: HostDeps;
  /** Validates, runs, and returns a Result; never throws. Typed for callers that name a channel. */
  call<C extends Channel>(channel: C, input: Input<C>, session: Session): Promise<Result<Output<C>>>;
  /** Transports pass what arrived, unchecked. */
  call(channel: unknown, input: unknown, session: Session): Promise<Result<unknown>>;
}

export function createHost(deps: HostDeps, handlers: Handlers = createHandlers()): Host {
  const fail = (error: ApiError): Result<never> => ({ ok: false, error: deps.redactor.deep(error, 'strict') });

  return {
    deps,
    async call(channel: unknown, rawInput: unknown, session: Session): Promise<Result<never>> {
      if (!isChannel(channel))
        return fail({
          code: 'unknown_channel',
          message: `Unknown channel ${typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : `(${channel === null ? 'null' : `a value of type ${typeof channel}`}, not a name)`}.`,
        });
      const def = channels[channel];
      const parsed = def.input.safeParse(rawInput);
      // The issues' paths let a form name each field as it labels it (renderer/src/lib/field-labels.ts).
      if (!parsed.success)
        return fail({
          code: 'invalid_input',
          message: describeIssues(parsed.error.issues),
          detail: { channel, issues: issuesOf(parsed.error.issues) },
        });
      const ctx: CallContext = { deps, session };
      try {
        const handler = handlers[channel] as Handler<Channel>;
        const out = await handler(parsed.data as never, ctx);
        // Parsing the output strips any field the contract does not name: nothing unlisted leaves the core.
        const checked = def.output.safeParse(out);
        if (!checked.success) {
          return fail({
            code: 'internal',
            message: `The console produced an invalid answer for ${channel}: ${describeIssues(checked.error.issues)}`,
          });
        }
        // The one deliberate exception to redaction (see features/embedded.ts): the embedded emulator's
        // throwaway local token, handed out on the user's request, only where the host has no clipboard.
        if (channel === 'profiles.copyEmbeddedToken') return { ok: true, data: checked.data as never };
        return { ok: true, data: deps.redactor.deep(checked.data) as never };
      } catch (err) {
        if (err instanceof HostError) return fail(err.toApiError());
        const message = err instanceof Error ? err.message : String(err);
        return fail({ code: 'internal', message: `Unexpected error in ${channel}: ${message}` });
      }
    },
  };
}

/** A session whose events are redacted before they reach the transport. */
export function createSession(deps: HostDeps, id: string, send: (topic: string, payload: unknown) => void): Session & { close(): void } {
  const closers: Array<() => void> = [];
  let closed = false;
  return {
    id,
    emit(topic, payload) {
      if (!closed) send(topic, deps.redactor.deep(payload));
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fn of closers.splice(0)) {
        try {
          fn();
        } catch {
          /* a closer failing must not keep the others from running */
        }
      }
    },
  };
}
