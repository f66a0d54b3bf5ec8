import type { AuditEntry } from '../../common/contract';
import type { CallContext } from './types';

/** Records one support action. Strict redaction: an audit entry never holds a token or a secret's value. */
export async function audit(ctx: CallContext, entry: Omit<AuditEntry, 'at' | 'who'> & { at?: string }): Promise<void> {
  const { deps } = ctx;
  const full: AuditEntry = { at: entry.at ?? new Date().toISOString(), who: deps.info.user, ...entry };
  await deps.audit.append(deps.redactor.deep(full, 'strict'));
}
