// The exports feature: a tenant's log-export jobs (tab kind "exports") and a sidebar entry to open them.
import { registerHomeWidget, registerSidebarSection, registerTabKind } from '../../shell/registry';
import { ExportsPanel } from './ExportsPanel';
import { ExportsTab } from './ExportsTab';
import { ReplaysWidget } from './ReplaysWidget';

export { openExports } from './ExportsTab';

registerTabKind('exports', ExportsTab);
registerSidebarSection('exports', 25, ExportsPanel);
registerHomeWidget('exports-replays', 40, ReplaysWidget);
