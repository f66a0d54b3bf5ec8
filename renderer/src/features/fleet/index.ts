// The fleet feature: every tenant's health and a search across all of them (tab kind "fleet"), opened from the sidebar.
import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { FleetPanel } from './FleetPanel';
import { FleetTab } from './FleetTab';
import './fleet.css';

export { openFleet } from './FleetTab';

registerTabKind('fleet', FleetTab);
registerSidebarSection('fleet', 22, FleetPanel);
