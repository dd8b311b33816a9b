// `clawback drill` against a real daemon on the demo gateway: refusals, the user's config bytes, and every scenario end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readJournalFile } from '../helpers/daemon.js';
import { protectedHarm } from '../helpers/protected-harm.js';
import { GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('clawback drill: refusals', () => {
  it('refuses a service that is not drillable (exit 2) and leaves it alone', async () => {
    const d = await startDrillDaemon('sleeper');
    try {
      const before = JSON.parse((await runCli(['status', '--json', '--state-dir', d.stateDir])).stdout) as { services: Array<{ pid: number }> };
      const r = await runCli(['drill', 'crash', '--state-dir', d.stateDir, '--yes']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('not marked `drillable: true`');
      const after = JSON.parse((await runCli(['status', '--json', '--state-dir', d.stateDir])).stdout) as { services: Array<{ pid: number; restarts: number }> };
      expect(after.services[0]!.pid).toBe(before.services[0]!.pid);
      expect(after.services[0]!.restarts).toBe(0);
    } finally {
      await d.stop();
    }
  });
});

describe('clawback drill on the demo gateway', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('asks first: without --yes (and no terminal) it only prints the plan and exits 2', async () => {
    const r = await runCli(['drill', 'crash', '--state-dir', d.stateDir], { env: { CLAWBACK_DRILL_YES: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SIGKILL the service process');
    expect(r.stderr).toContain('not confirmed');
  });

  it('config-corrupt (truncate, garble, delete) recovers and leaves the original bytes in place', async () => {
    const original = readFileSync(d.gatewayConfig);
    expect(original.toString()).toBe(GATEWAY_JSON);
    const r = await runCli(['drill', 'config-corrupt', '--trials', '3', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(d.gatewayConfig).equals(original)).toBe(true);
    expect(readdirSync(d.dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    expect(report.trials.map((t) => t.outcome.split(' ')[0])).toEqual(['truncate', 'garble', 'delete']);
    for (const t of report.trials) {
      expect(t.recovered).toBe(true);
      expect(t.level).toBe(2);
      expect(t.recoverMs).toBeGreaterThan(0);
    }
    expect(report.summaries[0]).toMatchObject({ scenario: 'config-corrupt', recovered: 3, recoveryRate: 1 });
    // The doctor repaired each one, and no repair dropped or changed a protected setting.
    const journal = readJournalFile(path.join(d.stateDir, 'journal.jsonl'));
    expect(journal.filter((e) => e.type === 'doctor.repair' && e.details?.applied).length).toBeGreaterThanOrEqual(3);
    expect(protectedHarm(journal)).toEqual([]);
  }, 160_000);

  it('`drill all --trials 1`: every scenario recovers or behaves as expected; Markdown and JSON reports written', async () => {
    const mdFile = path.join(d.dir, 'report.md');
    const r = await runCli(
      ['drill', 'all', '--trials', '1', '--storm', '3', '--timeout', '40', '--json', '--yes', '--report', mdFile, '--state-dir', d.stateDir],
      { timeoutMs: 170_000 },
    );
    const report = JSON.parse(r.stdout) as DrillReport;
    const failed = report.trials.filter((t) => !t.skipped && !t.asExpected);
    expect(failed, r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.trials.map((t) => t.scenario)).toEqual(['crash', 'crash-storm', 'hang', 'leak', 'config-corrupt', 'port-steal', 'crash-loop', 'slow-start', 'dependency-down', 'disk-full', 'stale-lock', 'daemon-kill', 'nuclear']);
    // This gateway has no dependency, no data dir and no lock file: those are skipped with the reason
    // (test/drill/drill-faults.test.ts and drill-stale-lock.test.ts run them).
    const skipped = report.trials.filter((t) => t.skipped);
    expect(skipped.map((t) => t.scenario)).toEqual(['dependency-down', 'disk-full', 'stale-lock']);
    expect(skipped[0]!.skipped).toContain('names no dependency');
    expect(skipped[1]!.skipped).toContain('names no dataDir');
    expect(skipped[2]!.skipped).toMatch(/not applicable/);
    for (const t of report.trials.filter((x) => !x.skipped)) {
      expect(t.skipped).toBeNull();
      expect(t.recovered).toBe(true);
      expect(t.detectMs).not.toBeNull();
    }
    const by = Object.fromEntries(report.trials.map((t) => [t.scenario, t]));
    expect(by.crash!.level).toBe(0);
    expect(by.hang!.level).toBeGreaterThanOrEqual(1);
    expect(by.leak!.level).toBeGreaterThanOrEqual(1);
    expect(by['crash-loop']!.level).toBe(4);
    expect(by['port-steal']!.outcome).toContain('not killed');
    expect(by['daemon-kill']!.outcome).toContain('0 failed');
    expect(readFileSync(d.gatewayConfig).toString()).toBe(GATEWAY_JSON);
    const md = readFileSync(mdFile, 'utf8');
    expect(md).toContain('| crash-loop |');
    expect(md).toContain('median TTR');
    expect(JSON.parse(readFileSync(path.join(d.dir, 'report.json'), 'utf8'))).toMatchObject({ passed: true, service: 'gw' });
    // The nuclear drill kept the removed state directory beside it.
    expect(readdirSync(d.dir).some((f) => f.startsWith('state.drill-nuclear-'))).toBe(true);
    expect(existsSync(path.join(d.stateDir, 'journal.jsonl'))).toBe(true);
    expect(protectedHarm(readJournalFile(path.join(d.stateDir, 'journal.jsonl')))).toEqual([]);
  }, 180_000);
});
