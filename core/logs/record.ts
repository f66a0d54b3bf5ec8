// Bunyan records from the stream's `data:` lines, made inert for the pane.
import type { LogLine } from '../../common/contract/logs';
import { cutForDisplay, escapeForFile, inert } from './sanitize';

/**
 * A parsed line is already the queue's entry (`QueuedLine`): the stream only numbers it (`n` is 0
 * until then), so a line costs one object for the pane and one for the queue, not a copy of each.
 */
export interface ParsedLine {
  line: LogLine;
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

// Records of one burst share their second: for bunyan's "YYYY-MM-DDTHH:MM:SS.mmmZ" the second is parsed
// once and the milliseconds added (Date.parse per line was a tenth of a line's cost in the core).
let lastSecondText = '\u0000'; // no time starts with it
let lastSecondValue = NaN;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  if (v.length === 24 && v.startsWith(lastSecondText) && ISO_MS.test(v)) return lastSecondValue + Number(v.slice(20, 23));
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return undefined;
  if (v.length === 24 && ISO_MS.test(v)) {
    lastSecondText = v.slice(0, 20); // through the "."
    lastSecondValue = t - Number(v.slice(20, 23));
  }
  return t;
}

// Some loggers send names; map them to bunyan numbers.
const LEVEL_NAMES = new Map<string, number>([
  ['trace', 10],
  ['debug', 20],
  ['info', 30],
  ['warn', 40],
  ['error', 50],
  ['fatal', 60],
]);

function levelOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') return LEVEL_NAMES.get(v.toLowerCase());
  return undefined;
}

/** Display text for a message: inert, and only when too long redacted and cut (the common case costs no object). */
function shown(text: string, opts: RecordOptions): { text: string; size: number | undefined } | string {
  const safe = inert(text);
  if (safe.length <= opts.maxDisplayChars) return safe;
  const cut = cutForDisplay(text, opts.maxDisplayChars, opts.redact);
  return { text: cut.text, size: cut.truncated ? cut.bytes : undefined };
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
    const cut = shown(data, opts);
    const msg = typeof cut === 'string' ? cut : cut.text;
    const line: LogLine = { n: 0, kind: 'raw', msg };
    if (id !== undefined) line.id = id;
    if (typeof cut !== 'string' && cut.size !== undefined) line.size = cut.size;
    return { line, full, bytes: msg.length + 32 };
  }
  const rawMsg = typeof rec.msg === 'string' ? rec.msg : rec.msg === undefined ? '' : JSON.stringify(rec.msg);
  const cut = shown(rawMsg, opts);
  const msg = typeof cut === 'string' ? cut : cut.text;
  const line: LogLine = { n: 0, kind: 'rec', msg };
  if (id !== undefined) line.id = id;
  const t = timeOf(rec.time);
  if (t !== undefined) line.t = t;
  const level = levelOf(rec.level);
  if (level !== undefined) line.level = level;
  if (rec.sandbox) line.sb = 1;
  // Which extension wrote it: shown as a column, filterable, a link to the extension.
  if (typeof rec.webtask === 'string' && rec.webtask) line.wt = inert(rec.webtask).slice(0, 128);
  if (typeof cut !== 'string' && cut.size !== undefined) line.size = cut.size;
  // The pretty-print view needs the record; a huge one stays in the core (the saved file has it).
  if (opts.withJson && full.length <= opts.maxDisplayChars) line.json = full;
  return { line, full, bytes: msg.length + (line.json?.length ?? 0) + (line.wt?.length ?? 0) + 48 };
}
