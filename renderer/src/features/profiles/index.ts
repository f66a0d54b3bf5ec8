import { registerSidebarSection, registerTabKind } from '../../shell/registry';
import { ProfilesPanel } from './ProfilesPanel';
import { ProfileTab } from './ProfileTab';

registerSidebarSection('profiles', 10, ProfilesPanel);
registerTabKind('profile', ProfileTab);
