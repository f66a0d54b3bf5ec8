// The bulk replay feature (issue 17): many tenants' export jobs replayed after an outage (tab kind "bulk").
import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { BulkPanel } from './BulkPanel';
import { BulkTab } from './BulkTab';
import './bulk.css';

export { openBulk } from './BulkTab';

registerTabKind('bulk', BulkTab);
registerSidebarSection('bulk', 23, BulkPanel);
