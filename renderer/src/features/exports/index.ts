// The exports feature: a tenant's log-export jobs (tab kind "exports") and a sidebar entry to open them.
import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { ExportsPanel } from './ExportsPanel';
import { ExportsTab } from './ExportsTab';

export { openExports } from './ExportsTab';

registerTabKind('exports', ExportsTab);
registerSidebarSection('exports', 25, ExportsPanel);
