import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultController } from './faults';
import type { StatsHeaderMode } from './stats-header';

export interface EmulatorOptions {
  /** 0 = any free port */
  port?: number;
  /** 'demo' (default for the CLI), 'empty' (default for the library), 'fleet' (1,000 tenants: fleet-seed.ts), or a path to a JSON seed file */
  seed?: 'demo' | 'empty' | string;
  masterToken?: string;
  /** cron time acceleration, default 1 */
  clockSpeed?: number;
  /**
   * false: jobs never fire on their schedule (run-now still runs them). For tests whose subject is not
   * the schedule: a demo job firing at a 5-minute boundary would otherwise join whatever they measure.
   */
  scheduledRuns?: boolean;
  quiet?: boolean;
  /** Auth0 log generation rate (events/s) handed to the Auth0 mount */
  logRate?: number;
  /** request log lines on stderr (the CLI's --verbose) */
  verbose?: boolean;
  /** extension execution limit, default 30 s */
  runTimeoutMs?: number;
  /** extension heap limit, default 128 MB */
  runMemoryMb?: number;
  /** request body limit, default 5 MiB */
  maxBodyBytes?: number;
  /** log stream keep-alive interval, default 10 s */
  logPingMs?: number;
  /** log stream duration before the server ends it, default 30 min */
  logMaxStreamMs?: number;
  /** records kept per container for Last-Event-ID resume, default 2000 */
  logBufferSize?: number;
  /** a log subscriber with more unsent bytes than this is cut (it may resume), default 16 MiB */
  logMaxBufferedBytes?: number;
  /** containers whose stream offers no resume (clients must show a gap) */
  noResume?: string[];
  /** the name a run's stats header goes out under: `x-auth0-stats` (default, as clusters send it), `s-auth0-stats` (as the guide spells it) or both */
  statsHeader?: StatsHeaderMode;
}

export type Mount = {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
};

export type HostModule = (call: {
  container: string;
  name: string;
  secrets: Record<string, string>;
  meta: Record<string, string>;
  body: unknown;
  storage: { get(): Promise<unknown>; set(v: unknown): Promise<void> };
  log(msg: string, level?: number): void;
}) => Promise<unknown>;

export interface FloodHandle {
  id: string;
  container: string;
  rate: number;
  sent: number;
  stop(): void;
}

export interface Emulator {
  /** the options it was started with (parts read e.g. logRate) */
  readonly options: Readonly<EmulatorOptions>;
  url: string;
  port: number;
  masterToken: string;
  tenants(): string[];
  issueToken(claims: { ten: string; [k: string]: unknown }, kind?: 'v1' | 'v2'): string;
  storage: { get(container: string, name: string): Promise<unknown>; set(container: string, name: string, data: unknown): Promise<void> };
  registerHostModule(name: string, impl: HostModule): void;
  registerMount(mount: Mount): void;
  faults: FaultController;
  emitLog(container: string, record: Record<string, unknown>): void;
  /** Emits `rate` lines/s into a container's stream (for `count` lines, or until stopped). */
  flood(container: string, rate: number, count?: number): FloodHandle;
  /** Turns `Last-Event-ID` resume on or off for a container's stream. */
  setLogResume(container: string, enabled: boolean): void;
  /** The stats header's name for every run, a container's runs, or one extension's (`null` drops an override). */
  setStatsHeader(header: StatsHeaderMode | null, target?: { container: string; name?: string }): void;
  /** Every webtask token the cluster holds (signed now if not yet): what must never leave the console. */
  webtaskTokens(): string[];
  /** The cron clock (accelerated by clockSpeed), epoch ms. */
  now(): number;
  close(): Promise<void>;
}
