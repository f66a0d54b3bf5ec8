import { defineHandlers } from '../types';

// Handlers of the channels in shared/contract/logs.ts.
export const logsHandlers = defineHandlers({});
