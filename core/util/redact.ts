/**
 * One redaction function for everything that leaves the core: channel results, errors, events,
 * audit entries, saved logs. Tokens the vault holds are replaced wherever they appear; errors and
 * audit entries are also scrubbed of anything token-shaped, since their text may quote a request.
 */
const REDACTED = '[redacted]';

// JWTs, Bearer headers, and `key=` / `token=` query parameters (the log stream authenticates with ?key=).
const PATTERNS: Array<[RegExp, string]> = [
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer|Basic|SharedKey)\s+[A-Za-z0-9._~+/:=-]{6,}/gi, `$1 ${REDACTED}`],
  [/([?&](?:key|token|access_token|sig)=)[^&#\s"']+/gi, `$1${REDACTED}`],
];

/** Characters a token (or its URL-encoded / base64 form) is made of: a piece that stops before any other was cut. */
const TOKEN_CHAR = /[A-Za-z0-9._~+/=%-]/;
const TOKEN_SHAPED = /^[A-Za-z0-9._~+/=%-]+$/;
/**
 * An 8-character head or tail that is an ordinary word ("emulator" of 'emulator-demo-secret-key') is not
 * looked for as a piece: it would redact names such as "Local emulator" and the profile id "local-emulator".
 * The whole secret is still redacted; a random token's head is such a word about once in a thousand.
 */
const WORD = /^(?:[A-Z]?[a-z]+|[A-Z]+)$/;
/** A piece of a known secret this long, at a cut boundary, counts as the secret. */
export const MIN_PIECE = 8;

export class Redactor {
  private readonly secrets = new Set<string>();
  private matcher: RegExp | null = null;
  /** 8-character heads and tails of every form, to find pieces a cut left behind. */
  private pieceMatcher: RegExp | null = null;
  private readonly heads = new Map<string, string[]>();
  private readonly tails = new Map<string, string[]>();

  /** Registers a value that must never leave the core (shorter values are ignored: too many false hits). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 8 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.matcher = null;
  }

  remove(secret: string): void {
    if (this.secrets.delete(secret)) this.matcher = null;
  }

  /**
   * Forgets every secret. Lock does not call this (see core/host/features/app.ts): the flows that could
   * carry a token are closed instead, and the redactor keeps scrubbing whatever is still in flight.
   */
  clear(): void {
    this.secrets.clear();
    this.matcher = null;
  }

  private compile(): RegExp {
    const forms = new Set<string>();
    for (const s of this.secrets) {
      forms.add(s);
      forms.add(encodeURIComponent(s));
      // Base64 forms: a token inside a Basic header, a data URL, or a base64-encoded body.
      forms.add(Buffer.from(s, 'utf8').toString('base64'));
      forms.add(Buffer.from(s, 'utf8').toString('base64url'));
    }
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.heads.clear();
    this.tails.clear();
    // Pieces are looked for only in token-shaped forms: a secret such as a URL can have an ordinary value
    // (the cluster's own URL) as its head, and that must stay readable.
    for (const f of sorted.filter((x) => TOKEN_SHAPED.test(x))) {
      const head = f.slice(0, MIN_PIECE);
      const tail = f.slice(-MIN_PIECE);
      if (!WORD.test(head)) this.heads.set(head, [...(this.heads.get(head) ?? []), f]);
      if (!WORD.test(tail)) this.tails.set(tail, [...(this.tails.get(tail) ?? []), f]);
    }
    const anchors = [...new Set([...this.heads.keys(), ...this.tails.keys()])];
    this.pieceMatcher = anchors.length ? new RegExp(anchors.map(escapeRegExp).join('|'), 'g') : null;
    this.matcher = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    return this.matcher;
  }

  /**
   * Replaces every registered secret (as is, URL-encoded, base64) in a string, and any piece of one of
   * 8+ characters that a cut left behind: a head that runs to the end of the text or stops before a
   * character no token has, or a tail that starts the text or follows one.
   */
  known(text: string): string {
    // Neither a secret nor a piece of one (MIN_PIECE and more) fits in a shorter string: a line's kind, id, level name.
    if (this.secrets.size === 0 || text.length < MIN_PIECE) return text;
    const matcher = this.matcher ?? this.compile();
    return this.pieces(text.replace(matcher, REDACTED));
  }

  private pieces(text: string): string {
    const re = this.pieceMatcher;
    if (!re) return text;
    const spans: Array<[number, number]> = [];
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const at = m.index;
      for (const f of this.heads.get(m[0]) ?? []) {
        let k = MIN_PIECE;
        while (k < f.length && at + k < text.length && text[at + k] === f[k]) k++;
        const end = at + k;
        if (k === f.length || end === text.length || !TOKEN_CHAR.test(text[end]!)) spans.push([at, end]);
      }
      for (const f of this.tails.get(m[0]) ?? []) {
        const end = at + MIN_PIECE;
        let k = MIN_PIECE;
        while (k < f.length && end - k - 1 >= 0 && text[end - k - 1] === f[f.length - k - 1]) k++;
        const start = end - k;
        if (k === f.length || start === 0 || !TOKEN_CHAR.test(text[start - 1]!)) spans.push([start, end]);
      }
      re.lastIndex = at + 1;
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let pos = 0;
    for (const [a, b] of spans) {
      if (b <= pos) continue;
      out += text.slice(pos, Math.max(a, pos)) + (a >= pos ? REDACTED : '');
      pos = b;
    }
    return out + text.slice(pos);
  }

  /** Known secrets plus anything token-shaped. */
  strict(text: string): string {
    let out = this.known(text);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /**
   * Redacts, then cuts to `maxChars`, then scrubs again: a secret straddling the cut leaves a head at the
   * new end, which counts as the secret. Every cut of text that may quote a token goes through here.
   */
  cut(text: string, maxChars: number, mode: 'known' | 'strict' = 'known'): string {
    const clean = mode === 'strict' ? this.strict(text) : this.known(text);
    if (clean.length <= maxChars) return clean;
    const head = clean.slice(0, maxChars);
    return mode === 'strict' ? this.strict(head) : this.known(head);
  }

  /** Deep copy of a JSON-like value with every string passed through `fn`. */
  deep<T>(value: T, mode: 'known' | 'strict' = 'known'): T {
    const fn = mode === 'strict' ? (s: string) => this.strict(s) : (s: string) => this.known(s);
    if (mode === 'known' && this.secrets.size === 0) return value;
    return mapStrings(value, fn, 0) as T;
  }
}

function mapStrings(v: unknown, fn: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return fn(v);
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn, depth + 1));
  if (v instanceof Uint8Array || v instanceof Date) return v;
  const out: Record<string, unknown> = {};
  // for-in over own keys: the same keys, in the same order, as Object.entries, without an array of pairs per object.
  const src = v as Record<string, unknown>;
  for (const k in src) if (Object.hasOwn(src, k)) out[k] = mapStrings(src[k], fn, depth + 1);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
