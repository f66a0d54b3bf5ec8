import { registerTabKind } from '../../shell/registry';
import { AuditTab } from './AuditTab';

registerTabKind('audit', AuditTab);
