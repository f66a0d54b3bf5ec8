// Which name the run's stats header goes out under. Real clusters send `x-auth0-stats`; the platform's
// monitoring guide spells it `s-auth0-stats`. The emulator sends either (or both), globally or per
// container / extension, so the console can be tested against both spellings.
export const STATS_HEADER_MODES = ['x-auth0-stats', 's-auth0-stats', 'both'] as const;
export type StatsHeaderMode = (typeof STATS_HEADER_MODES)[number];

export const isStatsHeaderMode = (v: unknown): v is StatsHeaderMode =>
  typeof v === 'string' && (STATS_HEADER_MODES as readonly string[]).includes(v);

/** The header names a mode writes. */
export const statsHeaderNames = (mode: StatsHeaderMode): string[] => (mode === 'both' ? ['x-auth0-stats', 's-auth0-stats'] : [mode]);

export interface StatsHeaderOverride {
  container: string;
  name?: string;
  header: StatsHeaderMode;
}

export class StatsHeaders {
  private readonly overrides = new Map<string, StatsHeaderOverride>();

  constructor(private global: StatsHeaderMode = 'x-auth0-stats') {}

  /** The most specific rule wins: extension, then container, then the global default. */
  for(container: string, name?: string): StatsHeaderMode {
    return (
      (name !== undefined ? this.overrides.get(`${container}\n${name}`)?.header : undefined) ??
      this.overrides.get(`${container}\n`)?.header ??
      this.global
    );
  }

  /** Sets the global default, or (with a target) an override; `null` removes an override. */
  set(header: StatsHeaderMode | null, target?: { container: string; name?: string }): void {
    if (!target) {
      if (header === null) throw new Error('the global stats header cannot be removed, only changed');
      this.global = header;
      return;
    }
    const key = `${target.container}\n${target.name ?? ''}`;
    if (header === null) this.overrides.delete(key);
    else this.overrides.set(key, { container: target.container, ...(target.name !== undefined ? { name: target.name } : {}), header });
  }

  list(): { global: StatsHeaderMode; overrides: StatsHeaderOverride[] } {
    return { global: this.global, overrides: [...this.overrides.values()] };
  }
}
