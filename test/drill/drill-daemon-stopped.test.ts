// A person stopping the daemon mid-drill (Ctrl-C of `clawback run`) interrupts the drill at once: exit 130, the trial says why, nothing started again.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { GATEWAY_JSON, startDrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';
import { keepDaemonUp } from '../../src/drill/daemon-ops.js';
import { personStopSince } from '../../src/drill/daemon-stop-watch.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import { STOPPED_MARKER, stoppedMarkerText } from '../../src/daemon/stopped-marker.js';
import { systemClock } from '../../src/platform/clock.js';
import type { DrillContext } from '../../src/drill/drill-context.js';

describe('a person stops the daemon during a drill', () => {
  it('crash-storm: the wait ends, the trial is "interrupted: the daemon was stopped by a person", exit 130, config intact, daemon left stopped', async () => {
    const d = await startDrillDaemon('gateway');
    const mdFile = path.join(d.dir, 'drill-stopped.md');
    // --timeout 100: before the fix the drill waited it out twice (trial, then the final settle) and exited 1.
    const drill = spawnMarked(NODE, [CLI, 'drill', 'crash-storm', '--storm', '3', '--timeout', '100', '--yes', '--report', mdFile, '--state-dir', d.stateDir]);
    try {
      const journal = path.join(d.stateDir, 'journal.jsonl');
      const startedAt = Date.now();
      // The first crash of the storm, noticed by the daemon: now the person stops the daemon (Ctrl-C of `clawback run`).
      await waitFor(() => readFileSync(journal, 'utf8').split('\n').some((l) => l.includes('"service.exited"') && (JSON.parse(l) as { time: number }).time >= startedAt), { timeoutMs: 60_000, intervalMs: 50 });
      process.kill(d.daemon.pid, 'SIGINT');
      await d.daemon.waitForExit(30_000);
      // Generous bound, far below the 200 s the drill spent before the fix.
      const exit = await drill.waitForExit(90_000);
      expect(exit.code, drill.stderr()).toBe(130);
      const report = JSON.parse(readFileSync(path.join(d.dir, 'drill-stopped.json'), 'utf8')) as DrillReport;
      expect(report.stoppedEarly).toMatch(/^interrupted: the daemon was stopped by a person at \d{4}-/);
      expect(report.passed).toBe(false);
      expect(report.trials).toHaveLength(1);
      expect(report.trials[0]!.outcome).toMatch(/^interrupted: the daemon was stopped by a person at \d{4}-/);
      expect(report.trials[0]!.outcome).not.toContain('did not report it healthy');
      expect(report.notes.join('\n')).toContain('left as a person set it: the daemon was stopped by a person');
      expect(readFileSync(mdFile, 'utf8')).toContain('INTERRUPTED');
      expect(readFileSync(d.gatewayConfig, 'utf8')).toBe(GATEWAY_JSON);
      // Left stopped: the marker stays and no daemon.json of a new daemon appeared.
      expect(existsSync(path.join(d.stateDir, STOPPED_MARKER))).toBe(true);
      expect(existsSync(path.join(d.stateDir, 'daemon.json'))).toBe(false);
    } finally {
      drill.kill();
      await d.stop();
    }
  }, 200_000);
});

describe('keepDaemonUp after a person stopped the daemon', () => {
  function ctxFor(stateDir: string, startedAt: number, lines: string[]): DrillContext {
    const say = (l: string): void => void lines.push(l);
    return { clock: systemClock(), target: { stateDir, configFile: path.join(stateDir, 'no-such-config.yaml') }, restore: new RestoreStack(say), say, startedAt } as unknown as DrillContext;
  }

  it('does not start the daemon again (the stop marker is kept); a marker from before the drill is no stop during it', () => {
    const stateDir = tempDir('clawback-keepup-');
    const startedAt = Date.now() - 10_000;
    writeFileSync(path.join(stateDir, STOPPED_MARKER), stoppedMarkerText(Date.now(), undefined));
    const lines: string[] = [];
    const ctx = ctxFor(stateDir, startedAt, lines);
    keepDaemonUp(ctx);
    ctx.restore.unwindAll();
    expect(lines.join('\n')).toMatch(/the daemon was stopped by a person at .*: not starting it again/);
    expect(lines.join('\n')).not.toContain('starting it again\n');
    expect(existsSync(path.join(stateDir, STOPPED_MARKER))).toBe(true);

    expect(personStopSince(stateDir, Date.now() + 60_000)).toBeUndefined();
    expect(personStopSince(stateDir, startedAt)).toBeGreaterThanOrEqual(startedAt);
  });

  it('a stop on purpose under way (daemon.json stopping.onPurpose) counts; a SIGKILLed daemon (no marker, no stopping) does not', () => {
    const stateDir = tempDir('clawback-keepup-');
    const since = Date.now() - 1000;
    const info = { pid: 999_999, startedAt: since - 5000, version: 'x', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: since, configPath: '/x', pidStartTime: null };
    writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify(info));
    expect(personStopSince(stateDir, since)).toBeUndefined();
    writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ ...info, stopping: { since: since + 500, boundMs: 5000, onPurpose: true } }));
    expect(personStopSince(stateDir, since)).toBe(since + 500);
    writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ ...info, stopping: { since: since + 500, boundMs: 5000, onPurpose: false } }));
    expect(personStopSince(stateDir, since)).toBeUndefined();
  });
});
