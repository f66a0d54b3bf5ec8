// Bunyan records from the stream's `data:` lines, made inert for the pane.
import type { LogLine } from '../../common/contract/logs';
import { cutForDisplay, escapeForFile, inert } from './sanitize';

export interface ParsedLine {
  line: Omit<LogLine, 'n'>;
  /** The whole line for the saved file (controls escaped). */
  full: string;
  /** Rough size, for queue and batch accounting. */
  bytes: number;
}

export interface RecordOptions {
  /** Longer messages are cut for display (the saved file keeps them whole). */
  maxDisplayChars: number;
  /** Put the record's JSON in the line (for pretty-printing); the saved form has it regardless. */
  withJson?: boolean;
  /** Applied before a display cut (see `cutForDisplay`); lines that are not cut are redacted on their way out. */
  redact?: (text: string) => string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

function levelOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // Some loggers send names; map them to bunyan numbers.
  if (typeof v === 'string') return ({ trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as Record<string, number>)[v.toLowerCase()];
  return undefined;
}

/** One SSE data payload: a bunyan record, or (tolerated) anything else, shown raw and counted. */
export function parseData(data: string, id: string | undefined, opts: RecordOptions): ParsedLine {
  let rec: unknown;
  const first = data.charCodeAt(0);
  if (first === 0x7b /* { */) {
    try {
      rec = JSON.parse(data);
    } catch {
      rec = undefined;
    }
  }
  const full = escapeForFile(data);
  if (!isObject(rec)) {
    const cut = cutForDisplay(data, opts.maxDisplayChars, opts.redact);
    const line: ParsedLine['line'] = { kind: 'raw', msg: cut.text };
    if (id !== undefined) line.id = id;
    if (cut.truncated) line.size = cut.bytes;
    return { line, full, bytes: cut.text.length + 32 };
  }
  const rawMsg = typeof rec.msg === 'string' ? rec.msg : rec.msg === undefined ? '' : JSON.stringify(rec.msg);
  const cut = cutForDisplay(rawMsg, opts.maxDisplayChars, opts.redact);
  const line: ParsedLine['line'] = { kind: 'rec', msg: cut.text };
  if (id !== undefined) line.id = id;
  const t = timeOf(rec.time);
  if (t !== undefined) line.t = t;
  const level = levelOf(rec.level);
  if (level !== undefined) line.level = level;
  if (rec.sandbox) line.sb = 1;
  // Which extension wrote it: shown as a column, filterable, a link to the extension.
  if (typeof rec.webtask === 'string' && rec.webtask) line.wt = inert(rec.webtask).slice(0, 128);
  if (cut.truncated) line.size = cut.bytes;
  // The pretty-print view needs the record; a huge one stays in the core (the saved file has it).
  if (opts.withJson && full.length <= opts.maxDisplayChars) line.json = full;
  return { line, full, bytes: cut.text.length + (line.json?.length ?? 0) + (line.wt?.length ?? 0) + 48 };
}
