// The logs feature: live tails in xterm panes, one tab per container, and a sidebar entry to open one.
// Other features open a tail with `openLogTab(container, { filter })` (e.g. a tenant's "Live logs").
import './csp-style';
import '@xterm/xterm/css/xterm.css';
import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { LogsSidebar } from './LogsSidebar';
import { LogTab } from './LogTab';

export { openLogTab, openMergedLogTab, type OpenLogTabOptions } from './open';

registerTabKind('logs', LogTab);
registerSidebarSection('logs', 30, LogsSidebar);
