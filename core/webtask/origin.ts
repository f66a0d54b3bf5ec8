/**
 * The origin a token is bound to, normalised as scheme://host:port (port always written, host lower
 * case, IPv6 in brackets), so "https://Example.com" and "https://example.com:443/" compare equal.
 */
export function originOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
  return `${u.protocol}//${u.hostname}${port ? `:${port}` : ''}`;
}
