// The webtasks feature: a container's extensions (tab kind "tenant") and one extension (tab kind "webtask").
import { registerTabKind } from '../../shell/registry';
import { TenantTab } from './TenantTab';
import { WebtaskTab } from './WebtaskTab';

registerTabKind('tenant', TenantTab);
registerTabKind('webtask', WebtaskTab);
