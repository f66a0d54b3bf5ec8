// Name patterns for "Open merged logs" (kept apart from the form so tests load it without a page).

/** `acme-*` (and `?`) against whole names, case-insensitive; anything else in a name is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}
