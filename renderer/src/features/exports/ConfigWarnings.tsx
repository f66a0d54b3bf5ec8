/**
 * The settings of an export job that the engine ignores (a misspelt or unknown name), each with the
 * closest known name, shown next to the job (and in a run's report) so a migrated configuration is
 * not silently half-used.
 */
export function ConfigWarnings({ warnings, testId = 'export-job-warnings' }: { warnings: readonly string[] | undefined; testId?: string }) {
  if (!warnings?.length) return null;
  return (
    <ul className="export-warn small config-warnings" data-testid={testId} aria-label="Settings the export ignores">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}
