import { FROM_OLDEST, type RunItem } from '../../../../common/contract';
import { fmtDuration, fmtTime, n, shortCp } from './format';

/** One run of the job's history (cluster or console); a failed run offers its checkpoint for a replay. */
export function HistoryRow({ r, onUse }: { r: RunItem; onUse(cp: string): void }) {
  const cp = r.failedCheckpoint ?? r.checkpoint;
  const atStart = r.type === 'error' && !r.failedCheckpoint && r.failedAtStart === true;
  return (
    <tr className={r.type === 'error' ? 'bad' : ''} data-testid="history-run" data-type={r.type}>
      <td title={r.startedAt ?? r.scheduledAt ?? ''}>{fmtTime(r.startedAt ?? r.scheduledAt)}</td>
      <td>{r.source === 'cron' ? 'schedule' : r.source === 'console' ? 'run now / replay' : 'local replay'}</td>
      <td>
        <span className={`xbadge ${r.type === 'success' ? 'ok' : 'bad'}`}>{r.report?.status ?? r.type}</span> {r.statusCode ?? ''}
      </td>
      <td>{fmtDuration(r.durationMs)}</td>
      <td>
        {r.processed === null
          ? '—'
          : `${n(r.processed)}${r.delivered !== null && r.delivered !== r.processed ? ` (${n(r.delivered)} delivered)` : ''}`}
      </td>
      <td className="mono" title={cp ? `${cp}${r.checkpointNote ? ` (${r.checkpointNote})` : ''}` : ''}>
        {atStart ? <span title="failed before its first checkpoint">start</span> : shortCp(cp)}
      </td>
      <td className="history-error">{r.error ?? ''}</td>
      <td>
        {r.type === 'error' && r.failedCheckpoint && (
          <button
            className="small"
            onClick={() => onUse(r.failedCheckpoint!)}
            data-testid="use-checkpoint"
            title={`Replay from ${r.failedCheckpoint}`}
          >
            Use checkpoint
          </button>
        )}
        {atStart && (
          <button
            className="small"
            onClick={() => onUse(FROM_OLDEST)}
            data-testid="use-checkpoint"
            title="This run failed before its first checkpoint: replay from the oldest log"
          >
            Use checkpoint (start)
          </button>
        )}
      </td>
    </tr>
  );
}
