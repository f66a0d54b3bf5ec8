/** "Copy as curl" for an invocation: the profile token, when sent, is the `$WT_TOKEN` placeholder. */
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function toCurl(req: {
  method: string;
  url: string;
  headers: Array<{ name: string; value: string }>;
  body?: string;
  withProfileToken: boolean;
}): string {
  const parts = ['curl', '-sS', '-i'];
  if (req.method !== 'GET' || req.body !== undefined) parts.push('-X', req.method);
  for (const h of req.headers) parts.push('-H', quote(`${h.name}: ${h.value}`));
  // Double quotes so the shell expands the variable; the token itself never appears.
  if (req.withProfileToken) parts.push('-H', '"Authorization: Bearer $WT_TOKEN"');
  if (req.body !== undefined && req.body !== '') parts.push('--data-binary', quote(req.body));
  parts.push(quote(req.url));
  return parts.join(' ');
}
