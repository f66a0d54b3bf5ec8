// The live log tail: SSE client, bounded queue, batching with acks, terminal-safe text.
export { LogStream, type LogConnect, type LogStreamOptions, type QueuedLine, type TextRedactor } from './stream';
export { openTail, Tail, type TailOptions } from './tail';
export { Pump, type PumpOptions, type PumpSource } from './pump';
export { BoundedQueue, defaultQueueLimits, type QueueLimits } from './queue';
export { parseData, type ParsedLine } from './record';
export { inert, plain, truncateForDisplay, cutForDisplay, escapeForFile, humanBytes, INERT_START, INERT_END } from './sanitize';
export { MergedTail, openMergedTail, shareQueue, withContainer, type MergedTailOptions } from './merge';
export { LogRecorder, recordLine, rotatedPaths, type RecorderOptions, type RecorderStats } from './recorder';
