import { openDiagnostics } from './DiagnosticsTab';

/** Sidebar entry to the diagnostics log (every invocation and discovery call, every profile). */
export function DiagnosticsSidebar() {
  return (
    <section className="side-section" data-testid="diag-sidebar">
      <header>
        <h2>Diagnostics</h2>
      </header>
      <button className="link" onClick={openDiagnostics} data-testid="diag-open-log">
        Diagnostics log
      </button>
    </section>
  );
}
