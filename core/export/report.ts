import type { ExportReport } from '../../common/contract/export-run';

// The schemas live in the contract so the console's channels and the engine share one definition.
export { ExportProgress, ExportReport } from '../../common/contract/export-run';

/** True when every fetched log reached the destination (or was filtered out on purpose). */
export function everyLogDelivered(r: ExportReport): boolean {
  return r.status === 'ok' && !r.dryRun && r.rejected === 0 && r.processed === r.delivered + r.filtered;
}
