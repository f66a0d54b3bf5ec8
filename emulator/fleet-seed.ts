// The fleet seed (`--seed fleet`): 1,000 containers, 20,000 extensions with varied code and meta,
// cron jobs (some failing), log-export jobs (some lagging) and code snippets planted in known
// extensions. Everything comes from one seeded PRNG, so `fleetPlan()` tells tests and benches
// exactly what was planted. Code is generated on read (a getter), so 20,000 sources cost no memory
// until someone lists them with `fetch_code`.
import { prng } from './auth0/generator';
import type { Cluster } from './api/context';
import type { CronHistoryItem, CronJobRecord, WebtaskRecord } from './store';

export const FLEET_CONTAINERS = 1000;
export const FLEET_EXTENSIONS = 20_000;
const SEED = 0x5eed_f1ee;

export type ExportMode = 'healthy' | 'failing' | 'stuck' | 'inactive' | 'none';
export type JobOutcome = 'ok' | 'failing' | 'recovered';

export interface FleetExtension {
  name: string;
  meta: Record<string, string>;
  /** Which code template, and the snippet planted in it (if any). */
  template: number;
  snippet?: SnippetId;
  /** Code behaviour for cron tasks and export jobs (stable under firing). */
  behaviour: 'plain' | 'task-ok' | 'task-fail' | 'export-advance' | 'export-fail' | 'export-stuck';
  secrets?: Record<string, string>;
}

export interface FleetJob {
  name: string;
  state: 'active' | 'inactive';
  schedule: string;
  outcome: JobOutcome;
  /** error_count planted (runs may add to it while the emulator is up). */
  errorCount: number;
  runCount: number;
  /** For export jobs: the mode and the age of the stored checkpoint at seed time (null: none stored). */
  export?: { kind: ExportKind; mode: ExportMode; checkpointAgeMs: number | null };
}

export interface FleetContainer {
  name: string;
  extensions: FleetExtension[];
  jobs: FleetJob[];
}

export type ExportKind = 'cloudwatch' | 'logstash' | 'loganalytics';
export type SnippetId = 'legacyBilling' | 'jwtDecode' | 'hardcodedKey';

/** Planted lines: unique strings no template contains, each in a known set of extensions. */
export const SNIPPETS: Record<SnippetId, string> = {
  legacyBilling: "  var billing = require('request').get('http://billing-legacy.internal:8080/v1/charge');",
  jwtDecode: '  var claims = jwt.decode(ctx.body.id_token); // FIXME: verify the signature',
  hardcodedKey: "  var apiKey = 'sk_test_fleet_4eC39HqLyjWDarjtT1zdp7dc';",
};

export interface FleetPlan {
  containers: FleetContainer[];
  totalExtensions: number;
  /** Jobs whose last result is an error. */
  failing: Array<{ container: string; name: string; errorCount: number }>;
  /** Export jobs whose stored checkpoint is old (at least 2 h at seed time). */
  lagging: Array<{ container: string; name: string; ageMs: number; mode: ExportMode }>;
  /** Where each snippet was planted, with its 1-based line. */
  planted: Record<SnippetId, Array<{ container: string; name: string; line: number }>>;
  /** Auth0 extensions (meta `auth0-extension: runtime`) per container. */
  auth0: number;
}

const COMPANIES = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
  'soylent',
  'aperture',
  'massive',
  'gringotts',
  'oscorp',
  'vandelay',
  'dunder',
  'pied',
  'bluth',
  'monarch',
];
const ENVS = ['prod', 'staging', 'dev', 'eu', 'us', 'apac', 'test', 'sandbox'];
const TEAMS = ['identity', 'payments', 'search', 'growth', 'platform', 'mobile', 'data', 'support'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'];
const PLAIN = [
  'orders-api',
  'profile-sync',
  'webhook',
  'notify-slack',
  'geo-lookup',
  'rate-card',
  'feature-flags',
  'session-audit',
  'crm-bridge',
  'invoice-pdf',
  'risk-score',
  'email-verify',
];
const HOOKS = [
  'post-user-registration',
  'pre-user-registration',
  'client-credentials-exchange',
  'send-phone-message',
  'post-change-password',
];
const TASKS = ['nightly-cleanup', 'sync-users', 'purge-sessions', 'report-usage'];
const EXPORTS: ExportKind[] = ['cloudwatch', 'logstash', 'loganalytics'];
const MIN = 60_000;
const HOUR = 60 * MIN;

let cached: FleetPlan | undefined;

/** The fleet, computed once from the seed (deterministic: the same plan on every call and machine). */
export function fleetPlan(): FleetPlan {
  if (cached) return cached;
  const rnd = prng(SEED);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

  // Heavy-tailed sizes (most tenants small, a few large), scaled to exactly FLEET_EXTENSIONS.
  const raw = Array.from({ length: FLEET_CONTAINERS }, () => Math.min(400, 1 - Math.log(1 - rnd() * 0.999) * 12));
  const sum = raw.reduce((a, b) => a + b, 0);
  const counts = raw.map((r) => Math.max(1, Math.round((r * FLEET_EXTENSIONS) / sum)));
  const diff = FLEET_EXTENSIONS - counts.reduce((a, b) => a + b, 0);
  const biggest = counts.indexOf(Math.max(...counts));
  counts[biggest]! += diff;

  const plan: FleetPlan = {
    containers: [],
    totalExtensions: FLEET_EXTENSIONS,
    failing: [],
    lagging: [],
    planted: { legacyBilling: [], jwtDecode: [], hardcodedKey: [] },
    auth0: 0,
  };
  for (let ci = 0; ci < FLEET_CONTAINERS; ci++) {
    const cname = `${COMPANIES[ci % COMPANIES.length]}-${ENVS[Math.floor(ci / COMPANIES.length) % ENVS.length]}-${String(ci).padStart(3, '0')}`;
    const exts: FleetExtension[] = [];
    const jobs: FleetJob[] = [];
    const used = new Set<string>();
    const team = pick(TEAMS);
    const add = (e: FleetExtension) => {
      used.add(e.name);
      exts.push(e);
    };
    let budget = counts[ci]!;
    // Log exports on about a third of the tenants.
    if (budget >= 3 && rnd() < 0.35) {
      const kind = pick(EXPORTS);
      const r = rnd();
      const mode: ExportMode = r < 0.62 ? 'healthy' : r < 0.74 ? 'failing' : r < 0.83 ? 'stuck' : r < 0.93 ? 'inactive' : 'none';
      const name = `logs-to-${kind}`;
      const ageMs =
        mode === 'healthy'
          ? int(1, 10) * MIN
          : mode === 'failing'
            ? int(2 * 60, 72 * 60) * MIN
            : mode === 'stuck'
              ? int(3 * 60, 48 * 60) * MIN
              : mode === 'inactive'
                ? int(6 * 60, 240 * 60) * MIN
                : null;
      add({
        name,
        meta: {
          'auth0-extension': 'runtime',
          'auth0-extension-name': name,
          'auth0-extension-version': pick(['1.9.0', '2.0.0', '2.1.3']),
          team,
        },
        template: 0,
        behaviour: mode === 'failing' ? 'export-fail' : mode === 'stuck' ? 'export-stuck' : 'export-advance',
        secrets: exportSecrets(kind, cname, ci),
      });
      const failing = mode === 'failing';
      const errorCount = failing ? int(1, 40) : mode !== 'none' && rnd() < 0.2 ? int(1, 5) : 0;
      jobs.push({
        name,
        state: mode === 'inactive' ? 'inactive' : 'active',
        schedule: `${int(0, 59)} * * * *`,
        outcome: failing ? 'failing' : errorCount > 0 ? 'recovered' : 'ok',
        errorCount,
        runCount: mode === 'none' ? 0 : errorCount + int(5, 500),
        export: { kind, mode, checkpointAgeMs: ageMs },
      });
      if (failing) plan.failing.push({ container: cname, name, errorCount });
      if (ageMs !== null && ageMs >= 2 * HOUR) plan.lagging.push({ container: cname, name, ageMs, mode });
      budget--;
    }
    // Hooks (Auth0 extensions) on about half.
    if (budget >= 2 && rnd() < 0.5) {
      const n = Math.min(budget - 1, int(1, 3));
      for (let h = 0; h < n; h++) {
        const hook = HOOKS[(ci + h) % HOOKS.length]!;
        if (used.has(hook)) continue;
        add({
          name: hook,
          meta: {
            'wt-compiler': `auth0-ext-compilers/${hook}`,
            'auth0-extension': 'runtime',
            'auth0-extension-name': 'hooks',
            'auth0-extension-hook': hook,
            team,
          },
          template: 1 + (h % 2),
          behaviour: 'plain',
        });
        budget--;
      }
    }
    // Scheduled tasks on about a third.
    if (budget >= 2 && rnd() < 0.33) {
      const n = Math.min(budget - 1, int(1, 3));
      for (let t = 0; t < n; t++) {
        const name = `${TASKS[(ci + t) % TASKS.length]}`;
        if (used.has(name)) continue;
        const r = rnd();
        const outcome: JobOutcome = r < 0.1 ? 'failing' : r < 0.18 ? 'recovered' : 'ok';
        const errorCount = outcome === 'failing' ? int(1, 60) : outcome === 'recovered' ? int(1, 9) : 0;
        add({
          name,
          meta: { purpose: 'cron', team, region: pick(REGIONS) },
          template: 3,
          behaviour: outcome === 'failing' ? 'task-fail' : 'task-ok',
        });
        jobs.push({
          name,
          state: rnd() < 0.12 ? 'inactive' : 'active',
          schedule: `${int(0, 59)} ${int(0, 23)} * * *`,
          outcome,
          errorCount,
          runCount: errorCount + int(1, 300),
        });
        if (outcome === 'failing') plan.failing.push({ container: cname, name, errorCount });
        budget--;
      }
    }
    // The rest: APIs, webhooks, rules-like handlers with varied meta.
    for (let k = 0; budget > 0; k++) {
      const base = PLAIN[(ci * 7 + k) % PLAIN.length]!;
      const name = used.has(base) ? `${base}-${k}` : base;
      if (used.has(name)) continue;
      const meta: Record<string, string> = { team: rnd() < 0.8 ? team : pick(TEAMS), tier: rnd() < 0.3 ? 'gold' : 'standard' };
      if (rnd() < 0.4) meta.region = pick(REGIONS);
      if (rnd() < 0.15) meta.owner = `${pick(['ana', 'bo', 'chen', 'dev', 'eli', 'fay'])}@${COMPANIES[ci % COMPANIES.length]}.example`;
      if (rnd() < 0.08) {
        meta['auth0-extension'] = 'runtime';
        meta['auth0-extension-name'] = pick(['authorization', 'delegated-admin', 'user-import-export', 'sso-dashboard']);
      }
      add({ name, meta, template: 4 + int(0, 5), behaviour: 'plain' });
      budget--;
    }
    exts.sort((a, b) => (a.name < b.name ? -1 : 1));
    plan.auth0 += exts.filter((e) => e.meta['auth0-extension'] === 'runtime').length;
    plan.containers.push({ name: cname, extensions: exts, jobs });
  }
  // Plant the snippets in a fixed, known set of plain extensions.
  const plain = plan.containers.flatMap((c) => c.extensions.filter((e) => e.behaviour === 'plain').map((e) => ({ c, e })));
  const plantEvery: Array<[SnippetId, number]> = [
    ['legacyBilling', 431],
    ['jwtDecode', 797],
    ['hardcodedKey', 2503],
  ];
  for (const [id, step] of plantEvery) {
    for (let i = (step * 3) % plain.length; i < plain.length; i += step) {
      const { c, e } = plain[i]!;
      if (e.snippet) continue;
      e.snippet = id;
      plan.planted[id].push({ container: c.name, name: e.name, line: plantedLine(c.name, e) });
    }
  }
  cached = plan;
  return plan;
}

function exportSecrets(kind: ExportKind, container: string, ci: number): Record<string, string> {
  const common = {
    AUTH0_DOMAIN: `${container}.auth0.example`,
    AUTH0_CLIENT_ID: `fleetclient${ci}`,
    AUTH0_CLIENT_SECRET: `fleet-client-secret-${ci}`,
    BATCH_SIZE: '100',
    START_FROM: '',
  };
  if (kind === 'cloudwatch')
    return {
      ...common,
      CLOUDWATCH_LOG_GROUP_NAME: `/auth0/${container}`,
      CLOUDWATCH_LOG_STREAM_NAME: 'export',
      AWS_ACCESS_KEY_ID: `AKIAFLEET${String(ci).padStart(8, '0')}`,
      AWS_SECRET_KEY: `fleet-aws-secret-${ci}`,
      AWS_REGION: 'us-east-1',
    };
  if (kind === 'logstash')
    return {
      ...common,
      LOGSTASH_URL: `https://logstash.${container}.example/auth0`,
      LOGSTASH_INDEX: `auth0-${container}`,
      LOGSTASH_USER: 'auth0',
      LOGSTASH_PASSWORD: `fleet-ls-password-${ci}`,
    };
  return {
    ...common,
    LOGANALYTICS_WORKSPACEID: `ws-${ci}`,
    LOGANALYTICS_WORKSPACEKEY: `fleet-la-key-${ci}`,
    LOGANALYTICS_NAMESPACE: 'Auth0',
    LOGANALYTICS_APIVERSION: '2016-04-01',
  };
}

/** A log id as the emulator's Auth0 part makes them (the time in ms after `90020`). */
export const fleetLogId = (ms: number): string => `90020${String(Math.floor(ms)).padStart(15, '0')}${'0'.repeat(36)}`;

const CHECKPOINT_JS = "'90020' + String(Date.now()).padStart(15, '0') + '000000000000000000000000000000000000'";

/** The code of an extension, as lines; the planted snippet goes right after the function opens. */
function codeLines(container: string, e: FleetExtension): string[] {
  const t = e.template;
  const lines = ((): string[] => {
    switch (e.behaviour) {
      case 'export-advance':
      case 'export-stuck':
      case 'export-fail':
        return [
          `// ${e.name} for ${container}: ships the tenant's logs (fleet seed, no real destination).`,
          'module.exports = function (ctx, cb) {',
          ...(e.behaviour === 'export-fail'
            ? [
                "  console.error('export: destination refused the batch (HTTP 403)');",
                "  cb(new Error('destination refused the batch: HTTP 403 Forbidden'));",
              ]
            : e.behaviour === 'export-stuck'
              ? ["  console.log('export: 0 new logs');", '  cb(null, { processed: 0, delivered: 0 });']
              : [
                  '  ctx.storage.get(function (err, data) {',
                  '    if (err) return cb(err);',
                  '    data = data || {};',
                  `    data.checkpointId = ${CHECKPOINT_JS};`,
                  '    ctx.storage.set(data, function (err) { cb(err, { processed: 100, delivered: 100, nextCheckpoint: data.checkpointId }); });',
                  '  });',
                ]),
          '};',
        ];
      case 'task-ok':
      case 'task-fail':
        return [
          `// ${e.name}: a scheduled task of ${container}.`,
          'module.exports = function (ctx, cb) {',
          `  console.log('${e.name}: starting');`,
          ...(e.behaviour === 'task-fail'
            ? [`  throw new Error('${e.name}: upstream answered 503 Service Unavailable');`]
            : [`  cb(null, { ok: true, task: '${e.name}' });`]),
          '};',
        ];
      default:
        break;
    }
    switch (t) {
      case 1:
      case 2:
        return [
          '/**',
          `@param {object} user - The user being created (${e.name})`,
          '@param {function} cb - function (error, response)',
          '*/',
          'module.exports = function (ctx, cb) {',
          '  var user = (ctx.body && ctx.body.user) || {};',
          t === 1
            ? `  user.app_metadata = Object.assign({}, user.app_metadata, { tenant: '${container}' });`
            : '  var scope = (ctx.body && ctx.body.scope) || [];',
          `  console.log('${e.name}: %s', user.email || 'unknown');`,
          '  cb(null, { user: user });',
          '};',
        ];
      case 4:
        return [
          `// ${e.name}: a small JSON API for ${container}.`,
          'module.exports = function (ctx, req, res) {',
          `  var body = JSON.stringify({ service: '${e.name}', tenant: '${container}', path: req.url });`,
          "  res.writeHead(200, { 'content-type': 'application/json' });",
          '  res.end(body);',
          '};',
        ];
      case 5:
        return [
          `// Webhook receiver (${e.name}).`,
          "var crypto = require('crypto');",
          'module.exports = function (ctx, cb) {',
          "  var sig = ctx.headers['x-signature'] || '';",
          "  var want = crypto.createHmac('sha256', ctx.secrets.WEBHOOK_SECRET || 'dev').update(JSON.stringify(ctx.body || {})).digest('hex');",
          "  if (sig !== want) return cb(Object.assign(new Error('bad signature'), { statusCode: 401 }));",
          '  cb(null, { accepted: true });',
          '};',
        ];
      case 6:
        return [
          `// Rules-like handler: adds roles (${e.name}).`,
          'module.exports = function (ctx, cb) {',
          '  var user = (ctx.body && ctx.body.user) || {};',
          "  var domain = String(user.email || '').split('@')[1] || '';",
          `  user.roles = domain === '${container}.example' ? ['admin'] : ['user'];`,
          '  cb(null, { user: user, context: (ctx.body && ctx.body.context) || {} });',
          '};',
        ];
      case 7:
        return [
          `// ${e.name}: forwards a notice.`,
          'module.exports = function (ctx, cb) {',
          `  var text = '[${container}] ' + (ctx.query.msg || 'ping');`,
          "  console.log('notify: %s', text);",
          '  cb(null, { sent: text.length });',
          '};',
        ];
      case 8:
        return [
          'module.exports = function (ctx, cb) {',
          `  var limits = { free: 10, pro: ${10 + (container.length % 7) * 10}, enterprise: 1000 };`,
          "  var tier = ctx.query.tier || 'free';",
          '  cb(null, { tier: tier, limit: limits[tier] || 0 });',
          '};',
        ];
      default:
        return [
          `// ${e.name} (${container})`,
          'module.exports = function (cb) {',
          `  cb(null, { name: '${e.name}', at: new Date().toISOString() });`,
          '};',
        ];
    }
  })();
  if (e.snippet) {
    const open = lines.findIndex((l) => l.startsWith('module.exports = function'));
    lines.splice(open + 1, 0, SNIPPETS[e.snippet]);
  }
  return lines;
}

function plantedLine(container: string, e: FleetExtension): number {
  const lines = codeLines(container, { ...e, snippet: undefined });
  return lines.findIndex((l) => l.startsWith('module.exports = function')) + 2;
}

export const fleetCode = (container: string, e: FleetExtension): string => `${codeLines(container, e).join('\n')}\n`;

/** The next run of the seed's two schedule forms, `M * * * *` and `M H * * *`, in UTC. */
export function nextUtc(schedule: string, after: number): number {
  const [m, h] = schedule.split(' ');
  const d = new Date(after);
  d.setUTCSeconds(0, 0);
  d.setUTCMinutes(Number(m));
  if (h === '*') {
    if (d.getTime() <= after) d.setUTCHours(d.getUTCHours() + 1);
  } else {
    d.setUTCHours(Number(h));
    if (d.getTime() <= after) d.setUTCDate(d.getUTCDate() + 1);
  }
  return d.getTime();
}

function historyItems(job: FleetJob, now: number): CronHistoryItem[] {
  const items: CronHistoryItem[] = [];
  const n = Math.min(8, job.runCount);
  // Newest first. A failing job's newest runs are errors; a recovered job's newest is a success.
  const errorsOnTop = job.outcome === 'failing' ? Math.min(n, job.errorCount, 5) : 0;
  for (let i = 0; i < n; i++) {
    const at = now - (i + 1) * HOUR;
    const error = i < errorsOnTop || (job.outcome === 'recovered' && i === 1);
    items.push({
      scheduled_at: new Date(at).toISOString(),
      started_at: new Date(at + 5).toISOString(),
      completed_at: new Date(at + 120).toISOString(),
      type: error ? 'error' : 'success',
      statusCode: error ? 500 : 200,
      body: error
        ? JSON.stringify({ code: 500, error: 'Script generated an unhandled synchronous exception.', message: `${job.name} failed` })
        : '{"ok":true}',
      headers: {},
      duration_ms: 115,
    });
  }
  return items;
}

/** Loads the fleet into a cluster. Code is a getter over the plan: generated when read. */
export function seedFleet(cluster: Cluster, now = Date.now()): FleetPlan {
  const plan = fleetPlan();
  const at = new Date(now).toISOString();
  for (const c of plan.containers) {
    const box = cluster.store.ensure(c.name);
    for (const e of c.extensions) {
      const rec: WebtaskRecord = {
        container: c.name,
        name: e.name,
        secrets: { ...(e.secrets ?? {}) },
        meta: e.meta,
        claims: {},
        created_at: at,
        updated_at: at,
      };
      Object.defineProperty(rec, 'code', { get: () => fleetCode(c.name, e), enumerable: true, configurable: true });
      box.webtasks.set(e.name, rec);
    }
    box.put(box.webtasks.get(c.extensions[0]!.name)!); // resets the sorted cache once
    for (const j of c.jobs) {
      // Built directly rather than through saveJob: its per-job time-zone and cron parsing took seconds for 1,000 jobs.
      const history = historyItems(j, now);
      const job: CronJobRecord = {
        container: c.name,
        name: j.name,
        state: j.state,
        schedule: j.schedule,
        tz: 'UTC',
        token: cluster.webtaskToken(box.webtasks.get(j.name)!),
        meta: { 'fleet-seed': '1' },
        next_available_at: new Date(nextUtc(j.schedule, now)).toISOString(),
        created_at: at,
        updated_at: at,
        expires_at: null,
        run_count: j.runCount,
        error_count: j.errorCount,
        history,
        ...(history[0] ? { last_scheduled_at: history[0].scheduled_at } : {}),
      };
      box.cron.set(j.name, job);
      if (j.export && j.export.checkpointAgeMs !== null)
        box.storage.set(j.name, { data: { checkpointId: fleetLogId(now - j.export.checkpointAgeMs) }, etag: 1 });
    }
  }
  return plan;
}
