import type { ChannelDef } from './common';
import type { z } from 'zod';

// Filled in by the webtasks feature: channel entries here, handlers in shared/host/features/webtasks.ts.
export const webtasksChannels = {} satisfies Record<string, ChannelDef>;
export const webtasksTopics = {} satisfies Record<string, z.ZodType>;
