// Progress that tells the truth (issue 14): the share done and the ETA only when they mean
// something, never "0 %, ETA 21 min" on a run that ends in 2 s. A run of 2,000 logs and one of
// 40,000 against the emulated Auth0 API and Logstash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../core/export/checkpoint';
import { runExport } from '../../core/export/engine';
import type { ExportProgress } from '../../core/export/report';
import { type ExportServer, addTenant, exportSettings, startExportServer } from '../helpers/export-server';

let s: ExportServer;
beforeAll(async () => {
  s = await startExportServer();
});
afterAll(() => s.close());

type Seen = ExportProgress & { at: number };

async function run(name: string, seedCount: number, extra: Record<string, unknown> = {}, dryRun = false) {
  addTenant(s, name, { seedCount, seedSpanMs: 3600_000 });
  const p = s.dest.logstash.create(name, {});
  const seen: Seen[] = [];
  const report = await runExport({
    config: exportSettings(s, name, 'logstash', {
      LOGSTASH_URL: `${s.url}/dest/logstash/${name}`,
      LOGSTASH_USER: '',
      LOGSTASH_PASSWORD: '',
      LOGSTASH_TOKEN: '',
      ...extra,
    }),
    checkpointStore: new MemoryCheckpointStore(),
    progressIntervalMs: 50,
    dryRun,
    onProgress: (e) => seen.push({ ...e, at: Date.now() }),
  });
  return { report, seen, end: Date.now(), received: p.events.length };
}

/** Every ETA shown was within reach of the truth: at most 4x the time that really remained, plus 5 s of slack for a busy machine. */
function checkTruthful(seen: Seen[], end: number) {
  const shown = seen.filter((e) => e.phase !== 'done' && e.etaSeconds !== null);
  for (const e of shown)
    expect(e.etaSeconds!, `ETA ${e.etaSeconds} s with ${(end - e.at) / 1000} s left`).toBeLessThanOrEqual((4 * (end - e.at)) / 1000 + 5);
  const fractions = seen.filter((e) => e.fraction !== null).map((e) => e.fraction!);
  expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
  expect(seen.at(-1)).toMatchObject({ phase: 'done', fraction: 1, etaSeconds: 0 });
  return shown;
}

describe('export progress', () => {
  it('2,000 logs: no ETA before the run has lasted long enough to estimate, and none that lies', async () => {
    const { report, seen, end, received } = await run('prog2k', 2000);
    expect(report.status).toBe('ok');
    expect(received).toBe(2000);
    const shown = checkTruthful(seen, end);
    // An ETA needs 2 s of run and 5 % done: a run shorter than that never shows one.
    if (report.durationMs < 2000) expect(shown).toEqual([]);
    console.log(`progress 2,000 logs: ${report.durationMs} ms, ${seen.length} events, ${shown.length} with an ETA`);
  });

  it('40,000 logs (a dry run: progress is about reading the source): the share done climbs from the log dates, and the ETA appears and holds to the truth', async () => {
    // 10 ms per source page (400 pages, one at a time) keeps the run over 4 s even on a fast machine, so an
    // ETA (2 s of run, 5 % done) always appears; the source's pace, not the machine's, sets the run's length,
    // so the estimate is tested against a steady truth. 200,000 logs proved no more and cost two minutes under load.
    const rule = s.faults.add({ pathRegex: '^/auth0/prog40k/api/v2/logs\\?.*take=', latencyMs: 10 });
    const { report, seen, end } = await run('prog40k', 40_000, {}, true);
    // Every page after the first (search mode) paid the latency.
    const hits = s.faults.list().find((r) => r.id === rule.id)?.hits;
    s.faults.remove(rule.id);
    expect(report.status).toBe('ok');
    expect(report.processed).toBe(40_000);
    expect(hits).toBeGreaterThanOrEqual(399);
    const shown = checkTruthful(seen, end);
    expect(shown.length).toBeGreaterThan(0);
    const mid = seen.filter((e) => e.phase === 'running' && e.fraction !== null && e.fraction > 0.2 && e.fraction < 0.8);
    expect(mid.length).toBeGreaterThan(0);
    console.log(
      `progress 40,000 logs: ${report.durationMs} ms, ${seen.length} events, ${shown.length} with an ETA; first ETA ${shown[0]?.etaSeconds?.toFixed(1)} s at ${((shown[0]!.at - seen[0]!.at) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  it('an unknown head (its request failed) shows neither a share nor an ETA', async () => {
    // Only the head request (newest first, one result): the first page is search mode too (`per_page`), and must succeed.
    const rule = s.faults.add({ pathRegex: '^/auth0/prognohead/api/v2/logs\\?.*per_page=1&sort=date%3A-1', status: 500 });
    const { report, seen } = await run('prognohead', 3000);
    // The head request was made once, and failed.
    expect(s.faults.list().find((r) => r.id === rule.id)?.hits).toBe(1);
    s.faults.remove(rule.id);
    expect(report.status).toBe('ok');
    expect(seen.filter((e) => e.phase !== 'done').every((e) => e.fraction === null && e.etaSeconds === null && e.head === null)).toBe(true);
  });
});
