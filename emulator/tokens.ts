// Tokens of the emulated cluster.
// - v1 profile tokens are opaque random strings looked up in a table (like the old webtask keys).
// - v2 profile tokens are JWTs whose header carries `typ: "JWT"` (what sandboxjs checks to pick v2).
// - webtask tokens (the `token` of each listed webtask) are JWT-shaped with no `typ`, because wt 11
//   decodes them with jwt-decode in v1 mode and would throw on anything else.
// JWTs are hand-rolled with node:crypto (HS256 only): the emulator only ever verifies tokens it signed
// itself, and it needs exact control over the header (with and without `typ`), which JWT libraries hide.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type Claims = { ten: string | string[]; [k: string]: unknown };
export type TokenKind = 'master' | 'v1' | 'v2' | 'webtask';
export interface VerifiedToken {
  kind: TokenKind;
  claims: Claims;
}

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
  }
}

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

export class TokenService {
  private readonly key = randomBytes(32);
  private readonly opaque = new Map<string, Claims>();

  constructor(readonly masterToken: string) {
    this.opaque.set(masterToken, { ten: '/.*/', admin: true });
  }

  /** A container-scoped (or master-like) profile token. */
  issue(claims: Claims, kind: 'v1' | 'v2' = 'v2'): string {
    const full: Claims = { jti: randomBytes(12).toString('hex'), iat: Math.floor(Date.now() / 1000), ...claims };
    if (kind === 'v1') {
      const token = `wt1.${randomBytes(24).toString('base64url')}`;
      this.opaque.set(token, full);
      return token;
    }
    return this.sign({ alg: 'HS256', typ: 'JWT' }, full);
  }

  /** The token of a webtask: a JWT without `typ`, naming its container and webtask. */
  webtaskToken(claims: Claims): string {
    return this.sign({ alg: 'HS256' }, { jti: randomBytes(12).toString('hex'), iat: Math.floor(Date.now() / 1000), ...claims });
  }

  private sign(header: Record<string, unknown>, claims: Claims): string {
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  /** Verifies a token and returns its claims; throws TokenError with the cluster's message. */
  verify(token: string, nowSec = Date.now() / 1000): VerifiedToken {
    if (token === this.masterToken) return { kind: 'master', claims: this.opaque.get(token)! };
    const opaque = this.opaque.get(token);
    if (opaque) {
      checkTime(opaque, nowSec);
      return { kind: 'v1', claims: opaque };
    }
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenError('invalid token: not a token issued by this cluster');
    const [h, p, s] = parts as [string, string, string];
    const expected = createHmac('sha256', this.key).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new TokenError('invalid token: signature verification failed');
    }
    let header: Record<string, unknown>;
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Claims;
    } catch {
      throw new TokenError('invalid token: malformed JWT');
    }
    checkTime(claims, nowSec);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
    return { kind: typ === 'jwt' ? 'v2' : 'webtask', claims };
  }

  revoke(token: string): boolean {
    if (token === this.masterToken) return false;
    return this.opaque.delete(token);
  }
}

function checkTime(claims: Claims, nowSec: number): void {
  if (typeof claims.exp === 'number' && claims.exp < nowSec) throw new TokenError('expired JWT token');
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + 1) throw new TokenError('token not yet valid (nbf)');
}

/** Does a token's `ten` claim cover this container? (`ten` may be a name, a list, or a /regex/.) */
export function coversContainer(claims: Claims, container: string): boolean {
  const ten = claims.ten;
  const one = (t: string): boolean => {
    const m = /^\/(.+)\/$/.exec(t);
    if (m) {
      try {
        return new RegExp(`^(?:${m[1]})$`).test(container);
      } catch {
        return false;
      }
    }
    return t === container;
  };
  return Array.isArray(ten) ? ten.some((t) => typeof t === 'string' && one(t)) : typeof ten === 'string' && one(ten);
}

export function decodeUnverified(token: string): Record<string, unknown> | undefined {
  const p = token.split('.')[1];
  if (!p) return undefined;
  try {
    return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
