// Seeds: 'empty', 'demo' (realistic tenants plus one 10,000-extension container) or a JSON file.
import { readFile } from 'node:fs/promises';
import { ApiError, isRecord } from './http';
import type { Cluster } from './api/context';
import type { Emulator } from './types';
import { saveJob } from './api/cron';
import type { WebtaskRecord } from './store';
import { demoExportSecrets } from './auth0/index';
import { seedFleet } from './fleet-seed';

export interface SeedWebtask {
  code: string;
  secrets?: Record<string, string>;
  meta?: Record<string, string>;
}
export interface SeedCron {
  schedule: string;
  tz?: string;
  state?: 'active' | 'inactive';
  meta?: Record<string, string>;
}
export interface SeedFile {
  containers: Record<string, { webtasks?: Record<string, SeedWebtask>; cron?: Record<string, SeedCron> }>;
}

export const DEMO_TENANTS = ['acme-prod', 'acme-staging', 'globex', 'initech', 'umbrella-corp'] as const;
export const BULK_CONTAINER = 'bulk-10k';
export const BULK_COUNT = 10_000;

const EXPORT_CODE = `// Runs the console's shared export engine (registered by the host as 'auth0-log-export').
module.exports = function (ctx, cb) {
  require('auth0-log-export')(ctx).then(function (report) { cb(null, report); }, cb);
};
`;

const CODE = {
  hello: `module.exports = function (cb) {
  cb(null, { hello: 'world', at: new Date().toISOString() });
};
`,
  auditLogger: `// Logs every call, the way support engineers like it.
module.exports = function (ctx, cb) {
  console.log('audit: %s called with query %j', ctx.meta.purpose || 'webtask', ctx.query);
  console.warn('audit: client ip %s', ctx.headers['x-forwarded-for'] || 'unknown');
  cb(null, { logged: true });
};
`,
  postUserRegistration: `/**
@param {object} user - The user being created
@param {object} context - Auth0 connection and other context info
@param {function} cb - function (error, response)
*/
module.exports = function (ctx, cb) {
  var user = (ctx.body && ctx.body.user) || {};
  console.log('post-user-registration for %s', user.email || user.user_id || 'unknown user');
  if (ctx.secrets.CRM_URL) console.log('would notify CRM at %s', ctx.secrets.CRM_URL);
  cb(null, { user: user, registered: true });
};
`,
  clientCredentialsExchange: `module.exports = function (ctx, cb) {
  var client = (ctx.body && ctx.body.client) || { id: 'unknown' };
  var scope = (ctx.body && ctx.body.scope) || [];
  console.log('client-credentials-exchange: client %s asked for %j', client.id, scope);
  var access_token = { scope: scope };
  access_token['https://example.com/tier'] = ctx.secrets.TIER || 'free';
  cb(null, { accessToken: access_token });
};
`,
  ruleAddRoles: `// A rules-like handler: enriches the user from the body and returns it with the context.
module.exports = function (ctx, cb) {
  var body = ctx.body || {};
  var user = body.user || { email: 'nobody@example.com' };
  var context = body.context || {};
  var domain = String(user.email || '').split('@')[1] || '';
  user.app_metadata = user.app_metadata || {};
  user.app_metadata.roles = domain === (ctx.secrets.ADMIN_DOMAIN || 'acme.example') ? ['admin'] : ['user'];
  console.log('add-roles: %s -> %j', user.email, user.app_metadata.roles);
  cb(null, { user: user, context: context });
};
`,
  throws: `// Fails on purpose: support demos need a broken extension.
module.exports = function (ctx, cb) {
  console.error('legacy-sync: upstream %s is not answering', ctx.secrets.UPSTREAM_URL || 'http://legacy.invalid');
  throw new Error('Cannot read properties of undefined (reading \\'accounts\\')');
};
`,
  cbError: `module.exports = function (ctx, cb) {
  var err = new Error('Invalid signature on the incoming webhook');
  err.statusCode = 401;
  console.warn('webhook rejected: bad signature');
  cb(err);
};
`,
  slow: `// Takes a few seconds, like a report that calls a slow API.
module.exports = function (ctx, cb) {
  var ms = Math.min(Number(ctx.query.ms || ctx.secrets.DELAY_MS || 3000), 20000);
  console.log('slow-report: working for %d ms', ms);
  setTimeout(function () {
    console.log('slow-report: done');
    cb(null, { tookMs: ms });
  }, ms);
};
`,
  stuck: `// Never calls back: the runtime's time limit ends it.
module.exports = function (ctx, cb) {
  console.log('stuck: waiting for a callback that never comes');
};
`,
  echo: `// The (ctx, req, res) form: echoes the request.
module.exports = function (ctx, req, res) {
  var chunks = [];
  req.on('data', function (c) { chunks.push(c); });
  req.on('end', function () {
    console.log('echo: %s %s', req.method, req.url);
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, query: ctx.query, body: Buffer.concat(chunks).toString('utf8') }));
  });
};
`,
  counter: `// Uses webtask storage.
module.exports = function (ctx, cb) {
  ctx.storage.get(function (err, data) {
    if (err) return cb(err);
    data = data || { count: 0 };
    data.count++;
    ctx.storage.set(data, function (err) {
      if (err) return cb(err);
      console.log('counter is now %d', data.count);
      cb(null, data);
    });
  });
};
`,
  bulk: `module.exports = function (ctx, cb) { cb(null, { name: ctx.meta.name || 'bulk' }); };
`,
};

function hookMeta(kind: string): Record<string, string> {
  return {
    'wt-compiler': `auth0-ext-compilers/${kind}`,
    'auth0-extension': 'runtime',
    'auth0-extension-name': 'hooks',
    'auth0-extension-hook': kind,
  };
}

/** An export extension; its secrets come from the Auth0 part so both agree on URLs and credentials. */
function exportExtension(url: string, tenant: string, kind: 'cloudwatch' | 'logstash' | 'loganalytics'): SeedWebtask {
  const name = `logs-to-${kind}` as const;
  return {
    code: EXPORT_CODE,
    secrets: { START_FROM: '', ...demoExportSecrets(url, tenant, name) },
    meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': name, 'auth0-extension-version': '2.0.0' },
  };
}

export function demoSeed(url: string): SeedFile {
  const exp = (t: string, k: 'cloudwatch' | 'logstash' | 'loganalytics', schedule: string) => ({
    w: { [`logs-to-${k}`]: exportExtension(url, t, k) },
    c: { [`logs-to-${k}`]: { schedule, meta: { 'auth0-extension-name': `logs-to-${k}` } } as SeedCron },
  });
  const acmeCw = exp('acme-prod', 'cloudwatch', '*/5 * * * *');
  const acmeLs = exp('acme-prod', 'logstash', '*/10 * * * *');
  const acmeLa = exp('acme-prod', 'loganalytics', '*/15 * * * *');
  const globexLs = exp('globex', 'logstash', '*/5 * * * *');
  const umbrellaLa = exp('umbrella-corp', 'loganalytics', '0 * * * *');
  const initechCw = exp('initech', 'cloudwatch', '*/30 * * * *');
  return {
    containers: {
      'acme-prod': {
        webtasks: {
          ...acmeCw.w,
          ...acmeLs.w,
          ...acmeLa.w,
          'post-user-registration': {
            code: CODE.postUserRegistration,
            secrets: { CRM_URL: 'https://crm.acme.example/hooks' },
            meta: hookMeta('post-user-registration'),
          },
          'client-credentials-exchange': {
            code: CODE.clientCredentialsExchange,
            secrets: { TIER: 'enterprise' },
            meta: hookMeta('client-credentials-exchange'),
          },
          'rule-add-roles': {
            code: CODE.ruleAddRoles,
            secrets: { ADMIN_DOMAIN: 'acme.example' },
            meta: { 'auth0-rule': 'add-roles', purpose: 'rule' },
          },
          'audit-logger': { code: CODE.auditLogger, meta: { purpose: 'audit', team: 'security' } },
          counter: { code: CODE.counter, meta: { purpose: 'demo' } },
        },
        cron: { ...acmeCw.c, ...acmeLs.c, ...acmeLa.c },
      },
      'acme-staging': {
        webtasks: {
          'post-user-registration': { code: CODE.postUserRegistration, meta: hookMeta('post-user-registration') },
          'legacy-sync': {
            code: CODE.throws,
            secrets: { UPSTREAM_URL: 'http://legacy.acme.invalid/api' },
            meta: { purpose: 'sync', team: 'platform' },
          },
          'slow-report': { code: CODE.slow, secrets: { DELAY_MS: '3000' }, meta: { purpose: 'report' } },
          'stuck-job': { code: CODE.stuck, meta: { purpose: 'demo' } },
          'audit-logger': { code: CODE.auditLogger, meta: { purpose: 'audit' } },
        },
        cron: { 'audit-logger': { schedule: '*/2 * * * *' } },
      },
      globex: {
        webtasks: {
          ...globexLs.w,
          'pre-user-registration': { code: CODE.postUserRegistration, meta: hookMeta('pre-user-registration') },
          echo: { code: CODE.echo, meta: { purpose: 'debug' } },
          'webhook-receiver': { code: CODE.cbError, secrets: { WEBHOOK_SECRET: 'whsec_globex_demo' }, meta: { purpose: 'webhook' } },
        },
        cron: { ...globexLs.c },
      },
      initech: {
        webtasks: {
          ...initechCw.w,
          'client-credentials-exchange': {
            code: CODE.clientCredentialsExchange,
            secrets: { TIER: 'pro' },
            meta: hookMeta('client-credentials-exchange'),
          },
          hello: { code: CODE.hello },
          'legacy-sync': { code: CODE.throws, meta: { purpose: 'sync' } },
          'audit-logger': { code: CODE.auditLogger, meta: { purpose: 'audit' } },
        },
        cron: { ...initechCw.c, 'audit-logger': { schedule: '*/5 * * * *' } },
      },
      'umbrella-corp': {
        webtasks: {
          ...umbrellaLa.w,
          'rule-add-roles': {
            code: CODE.ruleAddRoles,
            secrets: { ADMIN_DOMAIN: 'umbrella.example' },
            meta: { 'auth0-rule': 'add-roles', purpose: 'rule' },
          },
          'slow-report': { code: CODE.slow, secrets: { DELAY_MS: '5000' }, meta: { purpose: 'report' } },
          hello: { code: CODE.hello },
        },
        cron: { ...umbrellaLa.c },
      },
    },
  };
}

function putWebtask(cluster: Cluster, container: string, name: string, w: SeedWebtask): void {
  const now = new Date().toISOString();
  const rec: WebtaskRecord = {
    container,
    name,
    code: w.code,
    secrets: { ...(w.secrets ?? {}) },
    claims: {},
    created_at: now,
    updated_at: now,
  };
  if (w.meta && Object.keys(w.meta).length) rec.meta = { ...w.meta };
  cluster.store.ensure(container).put(rec);
}

/** 10,000 extensions sharing one code string: cheap to build, paged from a sorted cache. */
function seedBulk(cluster: Cluster): void {
  const c = cluster.store.ensure(BULK_CONTAINER);
  const now = new Date().toISOString();
  const teams = ['identity', 'payments', 'search', 'growth', 'platform', 'mobile', 'data', 'support'];
  for (let i = 0; i < BULK_COUNT; i++) {
    const name = `ext-${String(i).padStart(5, '0')}`;
    const meta: Record<string, string> = { name, team: teams[i % teams.length]!, tier: i % 3 === 0 ? 'gold' : 'standard' };
    if (i % 50 === 0) {
      meta['auth0-extension'] = 'runtime';
      meta['auth0-extension-name'] = 'hooks';
    }
    c.webtasks.set(name, {
      container: BULK_CONTAINER,
      name,
      code: CODE.bulk,
      secrets: {},
      meta,
      claims: {},
      created_at: now,
      updated_at: now,
    });
  }
  c.put(c.webtasks.get('ext-00000')!); // invalidates the sorted cache once
}

export function validateSeed(v: unknown, where: string): SeedFile {
  const bad = (msg: string): never => {
    throw new Error(`seed ${where}: ${msg}`);
  };
  if (!isRecord(v) || !isRecord(v.containers)) return bad('expected {"containers": {"<name>": {"webtasks": {...}, "cron": {...}}}}');
  for (const [cname, c] of Object.entries(v.containers)) {
    if (!isRecord(c)) bad(`containers.${cname} must be an object`);
    const cc = c as Record<string, unknown>;
    if (cc.webtasks !== undefined && !isRecord(cc.webtasks)) bad(`containers.${cname}.webtasks must be an object`);
    for (const [wname, w] of Object.entries((cc.webtasks as Record<string, unknown>) ?? {})) {
      if (!isRecord(w) || typeof w.code !== 'string') bad(`containers.${cname}.webtasks.${wname}.code must be a string`);
    }
    if (cc.cron !== undefined && !isRecord(cc.cron)) bad(`containers.${cname}.cron must be an object`);
  }
  return v as unknown as SeedFile;
}

export function loadSeed(cluster: Cluster, seed: SeedFile): void {
  for (const [cname, c] of Object.entries(seed.containers)) {
    cluster.store.ensure(cname);
    for (const [wname, w] of Object.entries(c.webtasks ?? {})) putWebtask(cluster, cname, wname, w);
    for (const [jname, j] of Object.entries(c.cron ?? {})) {
      try {
        saveJob(cluster, cname, jname, j);
      } catch (err) {
        throw new Error(`seed: cron job ${cname}/${jname}: ${err instanceof ApiError ? err.message : String(err)}`);
      }
    }
  }
}

export async function applySeed(cluster: Cluster, _emulator: Emulator, seed: string): Promise<void> {
  if (seed === 'empty') return;
  if (seed === 'fleet') {
    seedFleet(cluster);
    return;
  }
  if (seed === 'demo') {
    loadSeed(cluster, demoSeed(cluster.url));
    seedBulk(cluster);
    return;
  }
  let text: string;
  try {
    text = await readFile(seed, 'utf8');
  } catch (err) {
    throw new Error(`seed file ${seed} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    // `{{url}}` in a seed file stands for the emulator's own URL (for destination settings).
    parsed = JSON.parse(text.replaceAll('{{url}}', cluster.url));
  } catch (err) {
    throw new Error(`seed file ${seed} is not valid JSON: ${(err as Error).message}`);
  }
  loadSeed(cluster, validateSeed(parsed, seed));
}
