import { LOG_TYPES } from './log-types';

export interface LogFilterOptions {
  /** Codes that always pass (LOG_TYPES). Empty: no type selection. */
  types: readonly string[];
  /** Minimum level that passes (LOG_LEVEL), or null for no level selection. */
  level: number | null;
}

/**
 * The filter keeps the old extensions' semantics so a migrated job exports the same logs:
 * a log passes when its type is listed in LOG_TYPES OR its level is >= LOG_LEVEL (a union).
 * With neither setting every log passes; with only one, only that one applies.
 * An unknown code never passes LOG_LEVEL (its level is unknown) but passes when listed in
 * LOG_TYPES; unknown codes are counted either way so the report shows them.
 */
export class LogFilter {
  readonly unknownTypes = new Map<string, number>();
  private readonly types: Set<string>;
  private readonly level: number | null;

  constructor(opts: LogFilterOptions) {
    this.types = new Set(opts.types);
    this.level = opts.level;
  }

  get active(): boolean {
    return this.types.size > 0 || this.level !== null;
  }

  passes(type: unknown): boolean {
    const code = typeof type === 'string' ? type : '';
    const known = LOG_TYPES.get(code);
    if (!known) this.unknownTypes.set(code || '(none)', (this.unknownTypes.get(code || '(none)') ?? 0) + 1);
    if (!this.active) return true;
    if (this.types.has(code)) return true;
    return this.level !== null && known !== undefined && known.level >= this.level;
  }

  unknownTypesRecord(): Record<string, number> {
    return Object.fromEntries(this.unknownTypes);
  }
}
