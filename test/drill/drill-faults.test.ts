// The faults a restart cannot fix, on a real daemon and demo gateway: its dependency down (a real demo dependency stops listening) and its data dir full (a real small tmpfs filled to the last byte); not-ready, no restart loop, ready again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { httpGet, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { readJournal } from '../../src/observe/journal-read.js';
import type { DrillReport } from '../../src/drill/drill-result.js';
import type { ChaosReport } from '../../src/drill/chaos-result.js';

const DEPENDENCY = fileURLToPath(new URL('../../examples/demo-gateway/dependency.mjs', import.meta.url));

async function journalBetween(stateDir: string, from: number, to: number) {
  return (await readJournal(path.join(stateDir, 'journal.jsonl'))).filter((e) => e.time >= from && e.time <= to && e.service === 'gw');
}

describe('drills of faults a restart cannot fix (dependency down, data dir full)', () => {
  let dep: MarkedChild;
  let disk: SmallDisk;
  let d: DrillDaemon;
  let depUrl: string;

  beforeAll(async () => {
    dep = spawnMarked(NODE, [DEPENDENCY, '--port', '0']);
    const out = await dep.waitForStdout('"listening"', 10_000);
    depUrl = `http://127.0.0.1:${/"port":(\d+)/.exec(out)![1]}/`;
    disk = mountSmallDisk('4m');
    d = await startDrillDaemon('gateway', { gateway: { dependency: { url: depUrl, intervalMs: 200 }, dataDir: disk.dir }, readiness: true });
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${d.port}/readyz`, 1000)).status === 200, { timeoutMs: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
    dep?.kill();
    disk?.unmount();
  });

  it('dependency-down and disk-full, 2 trials each: not ready during the fault, no restart, same pid, ready again; the filler is gone', async () => {
    const pidBefore = (JSON.parse((await runCli(['status', '--json', '--state-dir', d.stateDir])).stdout) as { services: Array<{ pid: number }> }).services[0]!.pid;
    const r = await runCli(['drill', 'dependency-down,disk-full', '--trials', '2', '--timeout', '30', '--json', '--yes', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(report.trials.map((t) => t.scenario)).toEqual(['dependency-down', 'dependency-down', 'disk-full', 'disk-full']);
    for (const t of report.trials) {
      expect(t.skipped).toBeNull();
      expect(t.asExpected, t.outcome).toBe(true);
      expect(t.recovered).toBe(true);
      // No ladder step at all: nothing to restart, no incident.
      expect(t.level).toBeNull();
      expect(t.outcome).toContain(`no restart (pid ${pidBefore} kept)`);
      expect(t.outcome).toMatch(/not ready after \d/);
      expect(t.recoverMs).toBeGreaterThanOrEqual(0);
      expect(t.recoverMs).toBeLessThan(10_000);
      expect(t.notes.join(' ')).toContain('probe.failed');
    }
    expect(report.trials.filter((t) => t.scenario === 'dependency-down').every((t) => t.recoverFrom === 'return')).toBe(true);
    expect(report.trials.filter((t) => t.scenario === 'disk-full').every((t) => t.recoverFrom === 'release')).toBe(true);
    expect(report.trials.filter((t) => t.scenario === 'disk-full').every((t) => t.notes.some((n) => /filled \d+ KiB/.test(n)))).toBe(true);

    // The journal agrees: no restart and no incident during the whole drill; the readiness probe reported it.
    const events = await journalBetween(d.stateDir, report.startedAt, report.finishedAt);
    expect(events.filter((e) => e.type === 'service.restarting')).toEqual([]);
    expect(events.filter((e) => e.type === 'incident.opened')).toEqual([]);
    expect(events.some((e) => e.type === 'probe.failed' && e.details?.probe === 'readiness')).toBe(true);
    const status = JSON.parse((await runCli(['status', '--json', '--state-dir', d.stateDir])).stdout) as { services: Array<{ pid: number; health: string }> };
    expect(status.services[0]).toMatchObject({ pid: pidBefore, health: 'healthy' });

    // The disk has room again: only the gateway's own record is left, and it is being written.
    expect(readdirSync(disk.dir).filter((f) => f.startsWith('.clawback-drill-fill'))).toEqual([]);
    expect(disk.available()).toBeGreaterThan(1024 * 1024);
    expect(readdirSync(disk.dir)).toContain('gateway-state.json');
    expect((await httpGet(`http://127.0.0.1:${d.port}/readyz`, 1000)).status).toBe(200);
  }, 160_000);

  it('chaos with the new faults (seed 76): counted in the report, dependency-down recovered alone, disk-full needed a human, no restart at all', async () => {
    const mdFile = path.join(d.dir, 'chaos-faults.md');
    // Seed 76 over dependency-down,disk-full in 50 s: disk-full at ~7 s, dependency-down at ~27 s.
    const chaos = spawnMarked(NODE, [CLI, 'drill', 'chaos', '--duration', '50s', '--mean-interval', '12s', '--seed', '76', '--scenarios', 'dependency-down,disk-full', '--timeout', '30', '--json', '--yes', '--report', mdFile, '--state-dir', d.stateDir]);
    let exit;
    try {
      exit = await chaos.waitForExit(150_000);
    } finally {
      chaos.kill();
    }
    expect(exit.code, chaos.stderr()).toBe(0);
    const report = JSON.parse(chaos.stdout()) as ChaosReport;
    expect(report.faults.map((f) => f.kind)).toEqual(['disk-full', 'dependency-down']);
    const [full, down] = report.faults;
    expect(full).toMatchObject({ recovered: true, asExpected: true, neededHuman: true, recoverFrom: 'release', level: null });
    expect(down).toMatchObject({ recovered: true, asExpected: true, neededHuman: false, recoverFrom: 'return', level: null });
    expect(report.recoveredWithoutHuman).toBe(0.5);
    // Liveness (the outside poll on /health) never went down: a live service that is not ready is not an outage of it.
    expect(report.restarts).toBe(0);
    expect(report.falseRestarts).toEqual([]);
    for (const f of report.faults) expect(f.downMs).toBe(report.outages.reduce((s, o) => s + Math.max(0, Math.min(o.to, f.endedAt) - Math.max(o.from, f.injectedAt)), 0));
    expect(report.downtimeMs).toBeLessThan(2000);
    const events = await journalBetween(d.stateDir, report.startedAt, report.finishedAt);
    expect(events.filter((e) => e.type === 'service.restarting')).toEqual([]);
    expect(readFileSync(mdFile, 'utf8')).toContain('dependency-down');
  }, 160_000);

  it('disk-full is skipped, with the reason, when the data dir is not a filesystem of its own; nothing is filled', async () => {
    const plain = tempDir('clawback-plain-data-');
    const before = readFileSync(d.gatewayConfig);
    const cfg = JSON.parse(before.toString()) as Record<string, unknown>;
    writeFileSync(d.gatewayConfig, `${JSON.stringify({ ...cfg, dataDir: plain }, null, 2)}\n`);
    try {
      const r = await runCli(['drill', 'disk-full', '--json', '--yes', '--state-dir', d.stateDir], { timeoutMs: 30_000 });
      const report = JSON.parse(r.stdout) as DrillReport;
      // On this machine the temp dir shares the state dir's filesystem: that refusal comes first (both are covered in fault-units).
      expect(report.trials[0]!.skipped).toMatch(new RegExp(`the data dir ${plain} is (not a filesystem of its own|on the same filesystem as the daemon's state dir)`));
      expect(report.trials[0]!.skipped).toContain('mount -t tmpfs');
      expect(readdirSync(plain)).toEqual([]);
    } finally {
      writeFileSync(d.gatewayConfig, before);
    }
  }, 60_000);
});
