import { z } from 'zod';
import { channel } from './common';

/** One support action. Never holds a token or a secret's value: the host redacts before writing. */
export const AuditEntry = z.object({
  at: z.string(),
  who: z.string(),
  action: z.string(),
  profile: z.string().optional(),
  tenant: z.string().optional(),
  target: z.string().optional(),
  outcome: z.enum(['ok', 'error']),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  action: z.string().optional(),
  tenant: z.string().optional(),
  profile: z.string().optional(),
  text: z.string().optional(),
  since: z.string().optional(),
  limit: z.number().int().min(1).max(5000).default(500),
});

export const auditChannels = {
  'audit.list': channel(AuditQuery, z.object({ entries: z.array(AuditEntry), total: z.number() }), 'List audit entries, newest first'),
  'audit.export': channel(
    AuditQuery.omit({ limit: true }),
    z.object({ fileName: z.string(), jsonl: z.string() }),
    'Export audit entries as JSON lines',
  ),
};
