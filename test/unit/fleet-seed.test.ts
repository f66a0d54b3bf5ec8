// The fleet seed's plan: deterministic, exactly what it claims to plant, and its shortcut for
// next run times agrees with the scheduler's cron parser.
import { describe, expect, it } from 'vitest';
import { FLEET_CONTAINERS, FLEET_EXTENSIONS, fleetCode, fleetPlan, nextUtc, SNIPPETS, type SnippetId } from '../../emulator/fleet-seed';
import { nextRun } from '../../emulator/cron';

describe('fleet seed plan', () => {
  const plan = fleetPlan();

  it('has 1,000 containers and 20,000 extensions with unique names', () => {
    expect(plan.containers).toHaveLength(FLEET_CONTAINERS);
    expect(new Set(plan.containers.map((c) => c.name)).size).toBe(FLEET_CONTAINERS);
    let total = 0;
    for (const c of plan.containers) {
      expect(new Set(c.extensions.map((e) => e.name)).size).toBe(c.extensions.length);
      total += c.extensions.length;
    }
    expect(total).toBe(FLEET_EXTENSIONS);
    expect(plan.failing.length).toBeGreaterThan(20);
    expect(plan.lagging.length).toBeGreaterThan(20);
  });

  it('plants each snippet exactly where the plan says, at the line it says, and nowhere else', () => {
    const found: Record<SnippetId, string[]> = { legacyBilling: [], jwtDecode: [], hardcodedKey: [] };
    for (const c of plan.containers) {
      for (const e of c.extensions) {
        const lines = fleetCode(c.name, e).split('\n');
        for (const id of Object.keys(SNIPPETS) as SnippetId[]) {
          const at = lines.indexOf(SNIPPETS[id]);
          if (at >= 0) found[id].push(`${c.name}/${e.name}:${at + 1}`);
        }
      }
    }
    for (const id of Object.keys(SNIPPETS) as SnippetId[]) {
      expect(plan.planted[id].length).toBeGreaterThan(3);
      expect(found[id].sort()).toEqual(plan.planted[id].map((p) => `${p.container}/${p.name}:${p.line}`).sort());
    }
  });

  it('is the same plan on every call', () => {
    expect(fleetPlan()).toBe(plan);
    expect(plan.containers[0]!.name).toBe('acme-prod-000');
  });

  it('computes next runs as the cron parser does', () => {
    const now = Date.parse('2026-12-02T01:47:13.000Z');
    for (const s of ['0 * * * *', '47 * * * *', '48 * * * *', '59 23 * * *', '5 1 * * *', '30 2 * * *']) {
      expect(new Date(nextUtc(s, now)).toISOString()).toBe(new Date(nextRun(s, 'UTC', now)).toISOString());
    }
  });
});
