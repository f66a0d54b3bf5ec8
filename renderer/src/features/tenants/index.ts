// The tenants feature: a sidebar section listing the active profile's containers, and a Home widget.
import { registerHomeWidget, registerSidebarSection } from '../../shell/registry';
import { TenantsPanel } from './TenantsPanel';
import { TenantsWidget } from './TenantsWidget';

registerSidebarSection('tenants', 20, TenantsPanel);
registerHomeWidget('tenants', 20, TenantsWidget);
