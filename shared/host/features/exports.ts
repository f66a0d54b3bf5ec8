import { defineHandlers } from '../types';

// Handlers of the channels in shared/contract/exports.ts.
export const exportsHandlers = defineHandlers({});
