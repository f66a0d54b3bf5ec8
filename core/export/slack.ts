import { IncomingWebhook, type IncomingWebhookSendArguments } from '@slack/webhook';
import type { ExportReport } from './report';

/** The old extensions' message shape (a red or green attachment with the run's figures), plus what a replay needs. */
export function slackMessage(report: ExportReport, jobName: string) {
  const failed = report.status !== 'ok';
  const fields = [
    { title: 'Start time', value: report.startedAt, short: true },
    { title: 'End time', value: report.endedAt, short: true },
    { title: 'Logs processed', value: String(report.processed), short: true },
    { title: 'Logs delivered', value: String(report.delivered), short: true },
    { title: 'Logs filtered', value: String(report.filtered), short: true },
    { title: 'Batches', value: String(report.batches), short: true },
    { title: 'Retries', value: String(report.retries), short: true },
    { title: 'Next checkpoint', value: report.nextCheckpoint ?? '(start)', short: false },
  ];
  if (failed)
    fields.push({ title: 'Replay from checkpoint', value: report.failedCheckpoint ?? report.nextCheckpoint ?? '(start)', short: false });
  if (report.rejected) fields.push({ title: 'Rejected by the destination', value: String(report.rejected), short: true });
  if (report.error) fields.push({ title: 'Error', value: report.error, short: false });
  return {
    text: failed ? `${jobName}: export to ${report.destination} ${report.status}` : `${jobName}: export to ${report.destination} succeeded`,
    attachments: [{ color: failed ? '#d0021b' : '#36a64f', title: `${jobName} (${report.destination})`, fields }],
  };
}

export async function notifySlack(webhookUrl: string, report: ExportReport, jobName: string, timeoutMs = 10_000): Promise<void> {
  await postSlack(webhookUrl, slackMessage(report, jobName), timeoutMs);
}

/** Any message to an incoming webhook, with the same timeout and retries (bulk replay summaries use it too). */
export async function postSlack(webhookUrl: string, message: IncomingWebhookSendArguments, timeoutMs = 10_000): Promise<void> {
  const hook = new IncomingWebhook(webhookUrl, {
    timeout: timeoutMs,
    retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 2000, randomize: true },
  });
  await hook.send(message);
}
