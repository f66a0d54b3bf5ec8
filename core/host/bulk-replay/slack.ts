// The Slack summary at the end of a bulk replay: one message per Slack webhook the replayed jobs are
// configured with (their SLACK_INCOMING_WEBHOOK), each naming only the tenants that use that webhook,
// so no customer's channel learns of another's tenants. The webhooks are re-read from the jobs'
// settings (never kept in the journal); the engine's Slack client sends.
import type { BulkTenant, BulkView } from '../../../common/contract';
import { parseExportConfig, postSlack } from '../../export';
import { readExtension } from '../exports/jobs';
import { clientFor } from '../tokens';
import type { CallContext } from '../types';

const MAX_LINES = 40;

export function summaryMessage(view: BulkView, tenants: BulkTenant[]) {
  const ok = tenants.filter((t) => t.state === 'ok').length;
  const delivered = tenants.reduce((n, t) => n + (t.report?.delivered ?? 0), 0);
  const bad = tenants.filter((t) => t.state !== 'ok');
  const line = (t: BulkTenant) =>
    `${t.state === 'ok' ? 'ok' : t.state.toUpperCase()} ${t.container}/${t.name}: ${t.report?.delivered ?? 0} delivered` +
    `${t.duplicatesPossible ? ' (duplicates possible: at most one batch)' : ''}${t.error ? ` - ${t.error.slice(0, 200)}` : ''}`;
  const lines = [...bad, ...tenants.filter((t) => t.state === 'ok')].map(line);
  return {
    text: `Bulk replay ${view.bulkId} (${view.mode}) ended: ${ok} of ${tenants.length} tenant job(s) replayed, ${delivered} logs delivered${bad.length ? `, ${bad.length} not replayed` : ''}`,
    attachments: [
      {
        color: bad.length ? '#d0021b' : '#36a64f',
        title: `Bulk replay ${view.bulkId}`,
        fields: [
          { title: 'Tenants', value: String(tenants.length), short: true },
          { title: 'Replayed', value: String(ok), short: true },
          { title: 'Logs delivered', value: String(delivered), short: true },
          { title: 'Not replayed', value: String(bad.length), short: true },
          {
            title: 'Per tenant',
            value: lines.slice(0, MAX_LINES).join('\n') + (lines.length > MAX_LINES ? `\n… ${lines.length - MAX_LINES} more` : ''),
            short: false,
          },
        ],
      },
    ],
  };
}

/** Sends the summaries; returns what happened in words (for the view and the journal). */
export async function sendSummary(ctx: CallContext, view: BulkView): Promise<string> {
  const { profile, client } = await clientFor(ctx.deps, view.profileId);
  const byHook = new Map<string, BulkTenant[]>();
  for (const t of view.tenants) {
    try {
      const cfg = await readExtension(ctx.deps, client, profile, t.container, t.name);
      const hook = parseExportConfig(cfg.secrets).slack?.webhookUrl;
      if (!hook) continue;
      ctx.deps.redactor.add(hook);
      byHook.set(hook, [...(byHook.get(hook) ?? []), t]);
    } catch {
      // A job that cannot be read any more has no webhook to tell.
    }
  }
  if (byHook.size === 0) return 'not sent: none of the jobs has a Slack webhook';
  const failed: string[] = [];
  for (const [hook, tenants] of byHook) {
    await postSlack(hook, summaryMessage(view, tenants)).catch((e: unknown) =>
      failed.push(ctx.deps.redactor.strict(`${tenants[0]!.container}: ${(e as Error).message}`)),
    );
  }
  return failed.length
    ? `sent to ${byHook.size - failed.length} of ${byHook.size} Slack webhook(s); failed: ${failed.join('; ').slice(0, 500)}`
    : `sent to ${byHook.size} Slack webhook(s)`;
}
