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

export function ConnectionResult({ result }: { result: ConnectionTest }) {
  return (
    <div className={`conn-result ${result.outcome === 'ok' ? 'ok' : 'bad'}`} role="status" data-testid="connection-result" data-outcome={result.outcome}>
      <strong>{LABEL[result.outcome]}</strong>
      {result.status !== undefined && <span className="muted"> HTTP {result.status}</span>}
      <span className="muted"> · {result.elapsedMs} ms</span>
      <div className="conn-message">{result.message}</div>
    </div>
  );
}
