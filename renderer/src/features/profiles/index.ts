import { registerHomeWidget, registerSidebarSection, registerTabKind } from '../../shell/registry';
import { EmbeddedWidget } from './EmbeddedWidget';
import { ImportWidget } from './ImportWidget';
import { ProfilesPanel } from './ProfilesPanel';
import { ImportTab } from './ImportTab';
import { ProfileTab } from './ProfileTab';

registerSidebarSection('profiles', 10, ProfilesPanel);
registerTabKind('profile', ProfileTab);
registerTabKind('profile-import', ImportTab);
registerHomeWidget('profiles-import', 5, ImportWidget);
registerHomeWidget('profiles-embedded', 3, EmbeddedWidget);
