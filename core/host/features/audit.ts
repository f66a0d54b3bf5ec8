import type { AuditEntry } from '../../../common/contract';
import { defineHandlers } from '../types';

interface Query {
  action?: string;
  tenant?: string;
  profile?: string;
  text?: string;
  since?: string;
}

function matches(e: AuditEntry, q: Query): boolean {
  if (q.action && !e.action.startsWith(q.action)) return false;
  if (q.tenant && e.tenant !== q.tenant) return false;
  if (q.profile && e.profile !== q.profile) return false;
  if (q.since && e.at < q.since) return false;
  if (q.text && !JSON.stringify(e).toLowerCase().includes(q.text.toLowerCase())) return false;
  return true;
}

export const auditHandlers = defineHandlers({
  'audit.list': async (q, { deps }) => {
    const all = (await deps.audit.read()).filter((e) => matches(e, q));
    return { entries: all.slice(0, q.limit), total: all.length };
  },
  'audit.export': async (q, { deps }) => {
    const all = (await deps.audit.read()).filter((e) => matches(e, q)).reverse();
    return {
      fileName: `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.jsonl`,
      jsonl: all.map((e) => JSON.stringify(e)).join('\n') + (all.length ? '\n' : ''),
    };
  },
});
