import type { ChannelDef } from './common';
import type { z } from 'zod';

// Filled in by the logs feature: channel entries here, handlers in shared/host/features/logs.ts.
export const logsChannels = {} satisfies Record<string, ChannelDef>;
export const logsTopics = {} satisfies Record<string, z.ZodType>;
