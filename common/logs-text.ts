/**
 * Terminal safety, shared by the core (which makes customers' text inert before it leaves) and the pane
 * (which repeats it as a last line of defence): every C0/C1 control, DEL and bidi control becomes
 * visible text ("\x1b", "<U+202E>") wrapped in two private-use markers that the pane dims. Only "\n"
 * stays (a structural line break the pane indents); tabs become two spaces.
 *
 * Hand-rolled because no maintained library does "make visible" (strip-ansi & co. delete, which hides
 * what the customer's code printed; support engineers need to see it).
 */

/** Start and end of an inert span; the pane maps them to SGR dim on / off. */
export const INERT_START = '\uE000';
export const INERT_END = '\uE001';

// C0 except LF and TAB, DEL, C1, and bidi controls ("Trojan Source": text that reads differently from what it is).
const CONTROLS = '\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f';
const BIDI = '\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c';
const MARKERS = '\\uE000\\uE001';
/** From customers' text: our own markers are escaped too, so a log cannot fake them. */
const UNSAFE = new RegExp(`[${CONTROLS}${MARKERS}${BIDI}]+`, 'g');
const ANY_UNSAFE = new RegExp(`[${CONTROLS}${MARKERS}${BIDI}]`);
/** From text already made inert (the pane's guard): the markers are ours and stay. */
const UNSAFE_KEEP = new RegExp(`[${CONTROLS}${BIDI}]+`, 'g');
const ANY_UNSAFE_KEEP = new RegExp(`[${CONTROLS}${BIDI}]`);

// ASCII escapes rather than Unicode control pictures (␛): common monospace fonts (DejaVu, Consolas)
// have no glyph for those, and a box tells the reader nothing.
function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c <= 0x9f) return `\\x${c.toString(16).padStart(2, '0')}`;
  return `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
}

function escapeRun(run: string): string {
  let v = '';
  for (const ch of run) v += visible(ch);
  return INERT_START + v + INERT_END;
}

/**
 * Makes text inert and visible in one pass per rule. `keepMarkers`: the text was made inert already
 * (the pane's guard) and its markers are to be kept.
 */
export function inert(text: string, opts: { keepMarkers?: boolean } = {}): string {
  let out = text.includes('\t') ? text.replace(/\t/g, '  ') : text;
  if (out.includes('\r')) out = out.replace(/\r\n/g, '\n');
  const [any, all] = opts.keepMarkers ? [ANY_UNSAFE_KEEP, UNSAFE_KEEP] : [ANY_UNSAFE, UNSAFE];
  if (!any.test(out)) return out;
  return out.replace(all, escapeRun);
}

/** Removes the dim markers (for filters, copies and saved files). */
export const plain = (s: string): string => (s.includes(INERT_START) ? s.replace(/[\uE000\uE001]/g, '') : s);

/** Replaces the markers with the given on / off sequences (the pane's dim colour). */
export const dimSpans = (s: string, on: string, off: string): string =>
  s.includes(INERT_START) ? s.replace(/\uE000/g, on).replace(/\uE001/g, off) : s;
