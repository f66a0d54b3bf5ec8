/** Bytes to text for display: valid UTF-8 as is, anything else with U+FFFD and a flag saying so. */
export function decodeForDisplay(buf: Buffer): { text: string; notUtf8: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), notUtf8: false };
  } catch {
    return { text: new TextDecoder('utf-8').decode(buf), notUtf8: true };
  }
}

export const countReplacements = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\uFFFD'); i !== -1; i = s.indexOf('\uFFFD', i + 1)) n++;
  return n;
};

/** The payload of a JWT-shaped token, decoded without verifying (claims for display only). */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
