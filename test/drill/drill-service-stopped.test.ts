// A person stops the drilled service (not the daemon) mid-drill: the trial is interrupted at once, not waited out and failed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { GATEWAY_JSON, drilledStatus, startDrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';
import { servicePersonStop } from '../../src/drill/daemon-stop-watch.js';
import { DaemonLink } from '../../src/drill/daemon-link.js';

describe('a person stops the drilled service during a drill', () => {
  it('crash-storm: the wait ends, the trial is "interrupted: \\"gw\\" was stopped by a person", exit 130, the service left stopped', async () => {
    const d = await startDrillDaemon('gateway');
    const mdFile = path.join(d.dir, 'drill-svc-stopped.md');
    // --timeout 100: before the fix the trial waited the full 100 s for a service the person had stopped, then failed.
    const drill = spawnMarked(NODE, [CLI, 'drill', 'crash-storm', '--storm', '3', '--timeout', '100', '--yes', '--report', mdFile, '--state-dir', d.stateDir]);
    try {
      const journal = path.join(d.stateDir, 'journal.jsonl');
      const startedAt = Date.now();
      await waitFor(() => readFileSync(journal, 'utf8').split('\n').some((l) => l.includes('"service.exited"') && (JSON.parse(l) as { time: number }).time >= startedAt), { timeoutMs: 60_000, intervalMs: 50 });
      // Through the API at once (a CLI process takes a second or more on a loaded host: the storm could be over by then).
      const stop = await new DaemonLink(d.stateDir).action('gw', 'stop');
      expect(stop.status, stop.message).toBe(200);
      const exit = await drill.waitForExit(60_000);
      expect(exit.code, drill.stderr()).toBe(130);
      const report = JSON.parse(readFileSync(path.join(d.dir, 'drill-svc-stopped.json'), 'utf8')) as DrillReport;
      expect(report.stoppedEarly).toMatch(/^interrupted: "gw" was stopped by a person/);
      expect(report.passed).toBe(false);
      expect(report.trials[0]!.outcome).toMatch(/^interrupted: "gw" was stopped by a person/);
      expect(report.trials[0]!.outcome).not.toContain('within 1m40s');
      expect(report.notes.join('\n')).toContain('left as a person set it: "gw" was stopped by a person');
      expect(readFileSync(d.gatewayConfig, 'utf8')).toBe(GATEWAY_JSON);
      // Left as the person set it: the drill did not start it again.
      const svc = await drilledStatus<{ name: string; desired?: string; pid: number | null }>(d.stateDir);
      expect(svc.name).toBe('gw');
      expect(svc.desired).toBe('down');
      expect(svc.pid).toBeNull();
    } finally {
      drill.kill();
      await d.stop();
    }
  }, 200_000);
});

describe('servicePersonStop', () => {
  const since = 1_000_000;
  it('a stop seen after the service was seen up counts; down from the first look does not (the drill refuses it itself)', () => {
    expect(servicePersonStop({ name: 'g', desired: 'down', maintenance: null }, since, true, since + 5)).toMatch(/^"g" was stopped by a person/);
    expect(servicePersonStop({ name: 'g', desired: 'down', maintenance: null }, since, false, since + 5)).toBeUndefined();
    expect(servicePersonStop({ name: 'g', desired: 'up', maintenance: null }, since, true, since + 5)).toBeUndefined();
    // An older daemon that does not say what is wanted: never read as a stop.
    expect(servicePersonStop({ name: 'g', maintenance: null }, since, true, since + 5)).toBeUndefined();
  });
  it('maintenance turned on during the drill counts; one on before it does not', () => {
    const m = (at: number) => ({ since: at, until: null, reason: 'deploy', by: 'alice', timeLeftMs: null });
    expect(servicePersonStop({ name: 'g', desired: 'up', maintenance: m(since + 1) }, since, true, since + 5)).toMatch(/^"g" was put in maintenance by alice at /);
    expect(servicePersonStop({ name: 'g', desired: 'up', maintenance: m(since - 1) }, since, true, since + 5)).toBeUndefined();
  });
});
