import { defineHandlers } from '../types';

// Handlers of the channels in shared/contract/webtasks.ts.
export const webtasksHandlers = defineHandlers({});
