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

export class Redactor {
  private readonly secrets = new Set<string>();
  private matcher: RegExp | null = null;

  /** Registers a value that must never leave the core (shorter values are ignored: too many false hits). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 8 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.matcher = null;
  }

  remove(secret: string): void {
    if (this.secrets.delete(secret)) this.matcher = null;
  }

  clear(): void {
    this.secrets.clear();
    this.matcher = null;
  }

  /** Replaces every registered secret, and URL-encoded forms of it, in a string. */
  known(text: string): string {
    if (this.secrets.size === 0) return text;
    if (!this.matcher) {
      const forms = new Set<string>();
      for (const s of this.secrets) {
        forms.add(s);
        forms.add(encodeURIComponent(s));
      }
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.matcher = new RegExp(alternatives.join('|'), 'g');
    }
    return text.replace(this.matcher, REDACTED);
  }

  /** Known secrets plus anything token-shaped. */
  strict(text: string): string {
    let out = this.known(text);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
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
  for (const [k, x] of Object.entries(v)) out[k] = mapStrings(x, fn, depth + 1);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
