// In-memory state of the emulated cluster: containers, named webtasks, their storage, cron jobs.

export interface WebtaskRecord {
  container: string;
  name: string;
  code?: string;
  url?: string;
  secrets: Record<string, string>;
  params?: Record<string, string>;
  meta?: Record<string, string>;
  host?: string;
  /** extra token claims kept from /api/tokens/issue (pb, mb, dd, dr, limits ...) */
  claims: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  /** webtask token, signed lazily on first use (cheap seeding of 10,000 webtasks) */
  token?: string;
}

export interface CronHistoryItem {
  scheduled_at: string;
  started_at: string;
  completed_at: string;
  type: 'success' | 'error';
  statusCode: number;
  body: string;
  headers: Record<string, string>;
  duration_ms: number;
  error?: string;
}

export interface CronJobRecord {
  container: string;
  name: string;
  state: 'active' | 'inactive';
  schedule: string;
  tz: string;
  token: string;
  meta?: Record<string, string>;
  next_available_at: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  run_count: number;
  error_count: number;
  last_scheduled_at?: string;
  history: CronHistoryItem[];
  running?: boolean;
}

export class Container {
  readonly webtasks = new Map<string, WebtaskRecord>();
  readonly storage = new Map<string, { data: unknown; etag: number }>();
  readonly cron = new Map<string, CronJobRecord>();
  private sorted: WebtaskRecord[] | undefined;

  constructor(readonly name: string) {}

  /** Webtasks in name order; cached so paging a 10,000-item container is O(limit). */
  list(): WebtaskRecord[] {
    if (!this.sorted) this.sorted = [...this.webtasks.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.sorted;
  }

  put(rec: WebtaskRecord): void {
    this.webtasks.set(rec.name, rec);
    this.sorted = undefined;
  }

  remove(name: string): boolean {
    const had = this.webtasks.delete(name);
    if (had) {
      this.sorted = undefined;
      this.storage.delete(name);
    }
    return had;
  }
}

export class Store {
  readonly containers = new Map<string, Container>();

  get(name: string): Container | undefined {
    return this.containers.get(name);
  }

  ensure(name: string): Container {
    let c = this.containers.get(name);
    if (!c) {
      c = new Container(name);
      this.containers.set(name, c);
    }
    return c;
  }
}

/** The platform's name rule, declared once in the contract. */
export { PLATFORM_NAME_RX as NAME_RX } from '../common/contract/common';
