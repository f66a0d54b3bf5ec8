/**
 * The lines a tab keeps (for re-drawing when the filter or view changes, and for "copy all"), and the
 * filter over them. Bounded: past `PANE_KEEP_LINES` (plus a quarter, so trimming is rare) the oldest go.
 */
import type { LogLine } from '../../../../common/contract';
import { PANE_KEEP_LINES, PANE_SCROLLBACK } from '../../../../common/logs-flow';
import { compileFilter, emptyFilter, lineAsText, type Filter } from './format';

export class LineStore {
  private kept: LogLine[] = [];
  private test = compileFilter(emptyFilter).test;
  filter: Filter;
  filterError: string | undefined;

  constructor(initial: Partial<Filter> = {}) {
    this.filter = { ...emptyFilter, ...initial };
    this.setFilter({});
  }

  get size(): number {
    return this.kept.length;
  }

  get first(): LogLine | undefined {
    return this.kept[0];
  }

  add(lines: LogLine[]): void {
    for (const l of lines) this.kept.push(l);
    if (this.kept.length > PANE_KEEP_LINES * 1.25) this.kept = this.kept.slice(-PANE_KEEP_LINES);
  }

  passes(l: LogLine): boolean {
    return this.test(l);
  }

  setFilter(patch: Partial<Filter>): void {
    this.filter = { ...this.filter, ...patch };
    const compiled = compileFilter(this.filter);
    this.test = compiled.test;
    this.filterError = compiled.error;
  }

  /** What a redraw shows: the last scrollback's worth of matching lines, minus those still waiting. */
  forRedraw(waiting: Set<LogLine> | undefined): LogLine[] {
    return this.kept.filter((l) => this.test(l) && !waiting?.has(l)).slice(-PANE_SCROLLBACK);
  }

  map(fn: (l: LogLine) => LogLine): void {
    this.kept = this.kept.map(fn);
  }

  clear(): void {
    this.kept = [];
  }

  /** Every kept line that passes the filter, as plain text. */
  text(utc: boolean): string {
    return this.kept
      .filter((l) => this.test(l))
      .map((l) => lineAsText(l, utc))
      .join('\n');
  }
}
