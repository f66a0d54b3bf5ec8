// The fleet engines (scan, search) and their parts, free of Electron and React: the console's host
// (core/host/features/fleet.ts), benches and a command line drive them alike.
export { discoverFleet, CROSS_PAGE } from './discover';
export { RateGate, runPool, sleep } from './gate';
export { logIdTime } from './logid';
export { compileCodeMatcher, MAX_LINES } from './matcher';
export { Progress, type ProgressReport } from './progress';
export { scanFleet, scanTenant, type ScanOptions, type ScanResult } from './scan';
export { searchFleet, matchesItem, metaFilters, MAX_HITS, type SearchOptions, type SearchResult } from './search';
export { scanCsv, searchCsv, toJson } from './export';
export { FleetWire, type WireItem } from './wire';
