// Realistic Auth0 log events: types from the shared table, weighted toward what tenants really see,
// with non-ASCII names and text so every destination's encoding is exercised.
import { LOG_TYPE_ROWS } from '../../core/export/log-types-data';

export interface GeneratedLog {
  log_id: string;
  date: string;
  type: string;
  description: string;
  [k: string]: unknown;
}

/** mulberry32: small, seedable, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON: Array<[string, number]> = [
  ['s', 30],
  ['ssa', 12],
  ['seccft', 10],
  ['sapi', 8],
  ['fp', 6],
  ['f', 3],
  ['fu', 3],
  ['slo', 4],
  ['ss', 3],
  ['sertft', 4],
  ['fsa', 2],
  ['limit_wc', 1],
  ['w', 1],
];
const ALL = LOG_TYPE_ROWS.map((r) => r[0]);
const DESCRIPTIONS: Record<string, string[]> = {
  fp: ['Wrong email or password.', 'Mot de passe incorrect — réessayez.', 'Falsches Passwort für „Jürgen“.'],
  f: ['Invalid user.', 'Benutzer gesperrt: zu viele Versuche.'],
  fu: ['Unknown user: zoë@exämple.com', 'Usuario desconocido (señal ✓)'],
  w: ['Deprecated endpoint used — please migrate.'],
  limit_wc: ['Blocked account after 10 failed attempts 🔒'],
};
const USERS = [
  ['auth0|5f1a9c', 'alice@example.com'],
  ['auth0|62bd01', 'Zoë Åström'],
  ['google-oauth2|1093', '山田太郎'],
  ['auth0|7acc21', 'Łukasz Żółć'],
  ['samlp|acme|88', 'José Müller-Øvergaard'],
  ['auth0|9911ff', 'Αλέξανδρος 🙂'],
  ['email|abc', 'محمد'],
];
const CLIENTS = [
  ['xH3kq2mZ0aB7cD9e', 'Storefront SPA'],
  ['Qm8vT1sL4nP6rW2y', 'Café Backoffice ☕'],
  ['Ab12Cd34Ef56Gh78', 'Mobile (iOS)'],
];
const AGENTS = ['Chrome 131.0.0 / Mac OS X 14.6', 'Firefox 133.0 / Windows 11', 'Safari 18.1 / iOS 18.1', 'node-fetch/1.0'];
const CONNECTIONS = [
  ['Username-Password-Authentication', 'con_A1b2C3d4E5f6G7h8', 'auth0', 'database'],
  ['google-oauth2', 'con_Z9y8X7w6V5u4T3s2', 'google-oauth2', 'social'],
];

/** 56 digits, ordered by (time, sequence) when compared as strings. */
export function makeLogId(ms: number, seq: number): string {
  return `90020${String(ms).padStart(15, '0')}${String(seq).padStart(36, '0')}`;
}

export class LogGenerator {
  private readonly rnd: () => number;
  private readonly weights: Array<[string, number]>;
  private readonly totalWeight: number;
  constructor(
    seed: number,
    private readonly domain: string,
  ) {
    this.rnd = prng(seed);
    // Every type of the table appears now and then; common ones dominate.
    this.weights = [...COMMON, ...ALL.map((c) => [c, 0.3] as [string, number])];
    this.totalWeight = this.weights.reduce((a, [, w]) => a + w, 0);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private type(): string {
    let x = this.rnd() * this.totalWeight;
    for (const [c, w] of this.weights) {
      x -= w;
      if (x <= 0) return c;
    }
    return 's';
  }

  make(ms: number, seq: number): GeneratedLog {
    const type = this.type();
    const [user_id, user_name] = this.pick(USERS);
    const [client_id, client_name] = this.pick(CLIENTS);
    const [connection, connection_id, strategy, strategy_type] = this.pick(CONNECTIONS);
    const row = LOG_TYPE_ROWS.find((r) => r[0] === type);
    const description = DESCRIPTIONS[type] ? this.pick(DESCRIPTIONS[type]) : row?.[2] || row?.[1] || '';
    const ip = `${10 + Math.floor(this.rnd() * 200)}.${Math.floor(this.rnd() * 255)}.${Math.floor(this.rnd() * 255)}.${1 + Math.floor(this.rnd() * 250)}`;
    return {
      log_id: makeLogId(ms, seq),
      date: new Date(ms).toISOString(),
      type,
      description,
      connection,
      connection_id,
      client_id,
      client_name,
      ip,
      user_agent: this.pick(AGENTS),
      details: {
        prompts: [],
        initiatedAt: ms - 120,
        completedAt: ms,
        elapsedTime: 120,
        session_id: `s${seq.toString(36)}`,
        note: 'détails — ✓',
      },
      hostname: this.domain,
      user_id,
      user_name,
      strategy,
      strategy_type,
      audience: `https://${this.domain}/api/v2/`,
      scope: type === 'seccft' ? 'read:users read:logs' : '',
      isMobile: this.rnd() < 0.2,
    };
  }
}
