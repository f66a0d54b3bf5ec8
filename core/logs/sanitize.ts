/**
 * Terminal safety for the core: the rule itself (controls made visible between dim markers) lives in
 * common/logs-text.ts, shared with the pane; here are the display cut and the saved-file form.
 */
import { INERT_END, INERT_START, inert, plain } from '../../common/logs-text';

export { INERT_END, INERT_START, inert, plain };

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
  return {
    text: `${head}${INERT_START} … [line cut for display: ${humanBytes(bytes)}; the saved file keeps all of it]${INERT_END}`,
    truncated: true,
    bytes,
  };
}

/**
 * Inert text for display, cut when too long, and redacted BEFORE the cut: a token that straddles the
 * cut would otherwise leave its first part on screen, where the redactor no longer recognises it.
 * (Text that is not cut is redacted whole on its way out of the core.)
 */
export function cutForDisplay(
  text: string,
  maxChars: number,
  redact?: (text: string) => string,
): { text: string; truncated: boolean; bytes: number } {
  const shown = inert(text);
  if (shown.length <= maxChars) return { text: shown, truncated: false, bytes: -1 };
  const safe = redact ? inert(redact(text)) : shown;
  if (safe.length <= maxChars) return { text: safe, truncated: false, bytes: -1 };
  return truncateForDisplay(safe, maxChars);
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FILE_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/**
 * For saved files: the full line, with controls escaped as JSON does ("\u001b"), so a saved log is
 * still inert when someone runs `cat` on it, and a record's JSON stays valid JSON.
 */
export function escapeForFile(line: string): string {
  // Most lines hold none: one test is a third of the cost of a replace that finds nothing.
  if (!FILE_UNSAFE.test(line)) return line;
  return line.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
