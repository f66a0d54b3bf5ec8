export { runExport, type RunExportOptions } from './engine';
export { parseExportConfig, ConfigError, DESTINATIONS, type ExportConfig, type DestinationKind, secretValues } from './config';
export { ExportReport, ExportProgress, everyLogDelivered } from './report';
export { FileCheckpointStore, MemoryCheckpointStore, storageCheckpointStore, type CheckpointStore } from './checkpoint';
export { LogFilter } from './filter';
export { LOG_TYPES, describeLogType } from './log-types';
export { slackMessage, notifySlack } from './slack';
export { dataCollectorSignature } from './destinations/azure-legacy';
export type { Auth0Log } from './source';
