// The diagnostics feature: one log of every invocation and discovery call (tab kind "diagnostics").
import './diagnostics.css';
import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { DiagnosticsSidebar } from './DiagnosticsSidebar';
import { DiagnosticsTab } from './DiagnosticsTab';

export { openDiagnostics } from './DiagnosticsTab';

registerTabKind('diagnostics', DiagnosticsTab);
registerSidebarSection('diagnostics', 60, DiagnosticsSidebar);
