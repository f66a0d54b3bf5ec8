/**
 * Terminal safety: customers' log text is shown, never executed. Every C0/C1 control, DEL and every
 * escape sequence becomes visible, inert text (ESC -> "\x1b", BEL -> "\x07", CSI 0x9b -> "\x9b") wrapped in
 * two private-use markers that the pane turns into its own dim colour. What leaves here holds no
 * control character except "\n" (a structural line break the pane indents), so whatever xterm
 * does with it, it cannot move the cursor, set a title, write the clipboard or clear the screen.
 *
 * Hand-rolled because no maintained library does "make visible" (strip-ansi & co. delete, which hides
 * what the customer's code printed; support engineers need to see it).
 */

/** Start and end of an inert span; the pane maps them to SGR dim on / off. */
export const INERT_START = '\uE000';
export const INERT_END = '\uE001';

// C0 except LF and TAB, DEL, C1, our own markers (so a log cannot fake them), and bidi controls
// ("Trojan Source": text that reads differently from what it is).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\uE000\uE001\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]+/g;
// eslint-disable-next-line no-control-regex
const ANY_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\uE000\uE001\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

// ASCII escapes rather than Unicode control pictures (␛): common monospace fonts (DejaVu, Consolas)
// have no glyph for those, and a box tells the reader nothing.
function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c <= 0x9f) return `\\x${c.toString(16).padStart(2, '0')}`;
  return `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Makes one piece of log text inert and visible. Tabs become two spaces; "\n" stays (see above). */
export function inert(text: string): string {
  let out = text.includes('\t') ? text.replace(/\t/g, '  ') : text;
  if (out.includes('\r')) out = out.replace(/\r\n/g, '\n');
  if (!ANY_UNSAFE.test(out)) return out;
  return out.replace(UNSAFE, (run) => {
    let v = '';
    for (const ch of run) v += visible(ch);
    return INERT_START + v + INERT_END;
  });
}

/** Removes the dim markers (for filters, copies and saved files). */
export const plain = (s: string): string => (s.includes(INERT_START) ? s.replace(/[\uE000\uE001]/g, '') : s);

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Cuts text for display (the saved file keeps the whole line) and says so, with the full size.
 * Cuts on a code-point boundary, never inside a surrogate pair or an inert span.
 */
export function truncateForDisplay(text: string, maxChars: number): { text: string; truncated: boolean; bytes: number } {
  if (text.length <= maxChars) return { text, truncated: false, bytes: -1 };
  let cut = maxChars;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  let head = text.slice(0, cut);
  // Close an inert span the cut left open.
  if (head.lastIndexOf(INERT_START) > head.lastIndexOf(INERT_END)) head += INERT_END;
  const bytes = Buffer.byteLength(text, 'utf8');
  return { text: `${head}${INERT_START} … [line cut for display: ${humanBytes(bytes)}; the saved file keeps all of it]${INERT_END}`, truncated: true, bytes };
}

/**
 * Inert text for display, cut when too long, and redacted BEFORE the cut: a token that straddles the
 * cut would otherwise leave its first part on screen, where the redactor no longer recognises it.
 * (Text that is not cut is redacted whole on its way out of the core.)
 */
export function cutForDisplay(text: string, maxChars: number, redact?: (text: string) => string): { text: string; truncated: boolean; bytes: number } {
  const shown = inert(text);
  if (shown.length <= maxChars) return { text: shown, truncated: false, bytes: -1 };
  const safe = redact ? inert(redact(text)) : shown;
  if (safe.length <= maxChars) return { text: safe, truncated: false, bytes: -1 };
  return truncateForDisplay(safe, maxChars);
}

/**
 * For saved files: the full line, with controls escaped as JSON does ("\u001b"), so a saved log is
 * still inert when someone runs `cat` on it, and a record's JSON stays valid JSON.
 */
export function escapeForFile(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
