import type { ChannelDef } from './common';
import type { z } from 'zod';

// Filled in by the exports feature: channel entries here, handlers in shared/host/features/exports.ts.
export const exportsChannels = {} satisfies Record<string, ChannelDef>;
export const exportsTopics = {} satisfies Record<string, z.ZodType>;
