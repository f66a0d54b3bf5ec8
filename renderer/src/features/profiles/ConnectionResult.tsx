import type { ConnectionTest } from '../../../../common/contract';

const LABEL: Record<ConnectionTest['outcome'], string> = {
  ok: 'Connected',
  forbidden: 'Refused (403)',
  not_found: 'Not found (404)',
  unreachable: 'Unreachable',
  timeout: 'Timed out',
  bad_response: 'Unexpected answer',
  no_token: 'No token',
};

export function ConnectionResult({ result, onDismiss }: { result: ConnectionTest; onDismiss?: () => void }) {
  return (
    <div
      className={`conn-result ${result.outcome === 'ok' ? 'ok' : 'bad'}`}
      role="status"
      data-testid="connection-result"
      data-outcome={result.outcome}
    >
      <strong>{LABEL[result.outcome]}</strong>
      {result.status !== undefined && <span className="muted"> HTTP {result.status}</span>}
      <span className="muted"> · {result.elapsedMs} ms</span>
      {onDismiss && (
        <button
          className="icon conn-dismiss"
          aria-label="Dismiss the test result"
          onClick={onDismiss}
          data-testid="connection-result-dismiss"
        >
          ×
        </button>
      )}
      <div className="conn-message">{result.message}</div>
    </div>
  );
}
