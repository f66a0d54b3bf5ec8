// The tenants feature: a sidebar section listing the active profile's containers.
import { registerSidebarSection } from '../../shell/registry';
import { TenantsPanel } from './TenantsPanel';

registerSidebarSection('tenants', 20, TenantsPanel);
